package eventide.bench.kstreams;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How far the input has gone through the topology, for the end-of-input
 * signal: events read from the input topic (valid and rejected), and per
 * query the records sent into its repartition topic and those that reached
 * its windows. Counted as processed, so a task that is retried under
 * exactly-once counts again (the run then waits for its timeout and says so).
 */
final class Progress {
    final AtomicLong eventsRead = new AtomicLong();
    final AtomicLong eventsRejected = new AtomicLong();
    final AtomicLong batchesUnreadable = new AtomicLong();
    /** The newest event time read: the end-of-input signal goes just far enough past it to close every window. */
    final AtomicLong newestEventTime = new AtomicLong(Long.MIN_VALUE);
    final AtomicLongArray repartitioned;
    final AtomicLongArray windowed;

    Progress(int queries) {
        repartitioned = new AtomicLongArray(queries);
        windowed = new AtomicLongArray(queries);
    }

    /** Whether every one of `expectedEvents` input events has reached its windows. */
    boolean drained(long expectedEvents) {
        if (eventsRead.get() < expectedEvents) return false;
        for (int q = 0; q < repartitioned.length(); q++) {
            if (windowed.get(q) < repartitioned.get(q)) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return "{\"eventsRead\":" + eventsRead + ",\"eventsRejected\":" + eventsRejected + ",\"batchesUnreadable\":" + batchesUnreadable
                + ",\"newestEventTime\":" + newestEventTime + ",\"repartitioned\":" + repartitioned + ",\"windowed\":" + windowed + "}";
    }
}
