package eventide.bench.kstreams;

import java.nio.ByteBuffer;

/**
 * A log-bucketed quantile sketch of durations (the DDSketch idea, 1 %
 * relative accuracy): a value v > 0 lands in bucket ceil(log_gamma(v)) with
 * gamma = (1 + a) / (1 - a); values at or below zero are counted apart. A
 * quantile is its bucket's midpoint, within 1 % of the true value. The
 * buckets are one dense array from the lowest index seen, so that encoding
 * it for the window store is one copy.
 */
final class DurationSketch {
    private static final double ACCURACY = 0.01;
    private static final double GAMMA = (1 + ACCURACY) / (1 - ACCURACY);
    private static final double LOG_GAMMA = Math.log(GAMMA);

    private int lowest;
    private long[] buckets = new long[0];
    private long zeros;
    private long count;

    void add(double value) {
        count++;
        if (value <= 0) {
            zeros++;
            return;
        }
        int index = (int) Math.ceil(Math.log(value) / LOG_GAMMA);
        if (buckets.length == 0) {
            lowest = index;
            buckets = new long[1];
        } else if (index < lowest) {
            long[] grown = new long[buckets.length + (lowest - index)];
            System.arraycopy(buckets, 0, grown, lowest - index, buckets.length);
            buckets = grown;
            lowest = index;
        } else if (index >= lowest + buckets.length) {
            long[] grown = new long[index - lowest + 1];
            System.arraycopy(buckets, 0, grown, 0, buckets.length);
            buckets = grown;
        }
        buckets[index - lowest]++;
    }

    /** The q-quantile (0..1), or NaN when empty. */
    double quantile(double q) {
        if (count == 0) return Double.NaN;
        long rank = (long) Math.floor(q * (count - 1));
        if (rank < zeros) return 0;
        long seen = zeros;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen > rank) return 2 * Math.pow(GAMMA, lowest + i) / (GAMMA + 1);
        }
        return 2 * Math.pow(GAMMA, lowest + buckets.length - 1) / (GAMMA + 1);
    }

    int encodedSize() {
        return 8 + 8 + 4 + 4 + buckets.length * 8;
    }

    void encode(ByteBuffer out) {
        out.putLong(count).putLong(zeros).putInt(lowest).putInt(buckets.length);
        out.asLongBuffer().put(buckets);
        out.position(out.position() + buckets.length * 8);
    }

    static DurationSketch decode(ByteBuffer in) {
        DurationSketch sketch = new DurationSketch();
        sketch.count = in.getLong();
        sketch.zeros = in.getLong();
        sketch.lowest = in.getInt();
        sketch.buckets = new long[in.getInt()];
        in.asLongBuffer().get(sketch.buckets);
        in.position(in.position() + sketch.buckets.length * 8);
        return sketch;
    }
}
