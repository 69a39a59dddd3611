package eventide.bench.kstreams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * HyperLogLog with 2^12 = 4096 one-byte registers (as eventide's
 * uniqueCount), about 1.6 % standard error. An exact set of userIds would be
 * re-encoded whole on every update of the window store (Kafka Streams keeps
 * state as bytes, in its cache too): at 5,000 users that made the peer 40×
 * slower, and no Kafka Streams user would keep it.
 */
final class UniqueCountSketch {
    private static final int PRECISION = 12;
    static final int REGISTERS = 1 << PRECISION;

    final byte[] registers;

    UniqueCountSketch() {
        this(new byte[REGISTERS]);
    }

    private UniqueCountSketch(byte[] registers) {
        this.registers = registers;
    }

    void add(String value) {
        long hash = mix(Utils.murmur2(value.getBytes(StandardCharsets.UTF_8)));
        int register = (int) (hash >>> (64 - PRECISION));
        int rank = Long.numberOfLeadingZeros((hash << PRECISION) | (1L << (PRECISION - 1))) + 1;
        if (rank > registers[register]) registers[register] = (byte) rank;
    }

    long estimate() {
        double sum = 0;
        int zeros = 0;
        for (byte r : registers) {
            sum += Math.scalb(1.0, -r);
            if (r == 0) zeros++;
        }
        double m = REGISTERS;
        double raw = 0.7213 / (1 + 1.079 / m) * m * m / sum;
        if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
        return Math.round(raw);
    }

    void encode(ByteBuffer out) {
        out.put(registers);
    }

    static UniqueCountSketch decode(ByteBuffer in) {
        byte[] registers = new byte[REGISTERS];
        in.get(registers);
        return new UniqueCountSketch(registers);
    }

    /** splitmix64's finaliser: spreads murmur2's 32 bits over all 64. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
