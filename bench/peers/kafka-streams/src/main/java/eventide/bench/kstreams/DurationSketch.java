package eventide.bench.kstreams;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * A log-bucketed quantile sketch of durations (the DDSketch idea, 1 %
 * relative accuracy): a value v > 0 lands in bucket ceil(log_gamma(v)) with
 * gamma = (1 + a) / (1 - a); values at or below zero are counted apart. A
 * quantile is the bucket's midpoint, within 1 % of the true value.
 */
final class DurationSketch {
    private static final double ACCURACY = 0.01;
    private static final double GAMMA = (1 + ACCURACY) / (1 - ACCURACY);
    private static final double LOG_GAMMA = Math.log(GAMMA);

    private final TreeMap<Integer, Long> buckets = new TreeMap<>();
    private long zeros;
    private long count;

    void add(double value) {
        count++;
        if (value <= 0) zeros++;
        else buckets.merge((int) Math.ceil(Math.log(value) / LOG_GAMMA), 1L, Long::sum);
    }

    /** The q-quantile (0..1), or NaN when empty. */
    double quantile(double q) {
        if (count == 0) return Double.NaN;
        long rank = (long) Math.floor(q * (count - 1));
        if (rank < zeros) return 0;
        long seen = zeros;
        for (Map.Entry<Integer, Long> bucket : buckets.entrySet()) {
            seen += bucket.getValue();
            if (seen > rank) return 2 * Math.pow(GAMMA, bucket.getKey()) / (GAMMA + 1);
        }
        return 2 * Math.pow(GAMMA, buckets.lastKey()) / (GAMMA + 1);
    }

    int encodedSize() {
        return 8 + 8 + 4 + buckets.size() * 12;
    }

    void encode(ByteBuffer out) {
        out.putLong(count).putLong(zeros).putInt(buckets.size());
        for (Map.Entry<Integer, Long> bucket : buckets.entrySet()) out.putInt(bucket.getKey()).putLong(bucket.getValue());
    }

    static DurationSketch decode(ByteBuffer in) {
        DurationSketch sketch = new DurationSketch();
        sketch.count = in.getLong();
        sketch.zeros = in.getLong();
        for (int i = in.getInt(); i > 0; i--) sketch.buckets.put(in.getInt(), in.getLong());
        return sketch;
    }
}
