package eventide.bench.kstreams;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The state of one window of one facet: the event count (count(*), and the
 * `events` of a result) and, for the queries that select them, durations
 * (sum and count for average, a {@link DurationSketch} for percentile, the
 * max) and a {@link UniqueCountSketch} of userIds (uniqueCount); the sketches
 * only for the query that selects them (null otherwise). Changed in place by
 * the adders, as Kafka Streams allows; encoded whenever the store writes it.
 */
final class WindowAggregate {
    long events;
    double durationSum;
    long durations;
    double maxDuration = Double.NaN;
    DurationSketch sketch;
    UniqueCountSketch users;

    WindowAggregate countEvent() {
        events++;
        return this;
    }

    WindowAggregate addDurationStats(Measurement m) {
        events++;
        if (!Double.isNaN(m.duration())) {
            durationSum += m.duration();
            durations++;
            if (sketch == null) sketch = new DurationSketch();
            sketch.add(m.duration());
        }
        return this;
    }

    WindowAggregate addUserAndMax(Measurement m) {
        events++;
        if (m.userId() != null) {
            if (users == null) users = new UniqueCountSketch();
            users.add(m.userId());
        }
        if (!Double.isNaN(m.duration()) && (Double.isNaN(maxDuration) || m.duration() > maxDuration)) maxDuration = m.duration();
        return this;
    }

    static Serde<WindowAggregate> serde() {
        Serializer<WindowAggregate> serializer = (topic, a) -> {
            int size = 8 + 8 + 8 + 8 + 1 + (a.sketch == null ? 0 : a.sketch.encodedSize()) + 1 + (a.users == null ? 0 : UniqueCountSketch.REGISTERS);
            ByteBuffer out = ByteBuffer.allocate(size);
            out.putLong(a.events).putDouble(a.durationSum).putLong(a.durations).putDouble(a.maxDuration);
            out.put((byte) (a.sketch == null ? 0 : 1));
            if (a.sketch != null) a.sketch.encode(out);
            out.put((byte) (a.users == null ? 0 : 1));
            if (a.users != null) a.users.encode(out);
            return out.array();
        };
        Deserializer<WindowAggregate> deserializer = (topic, bytes) -> {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            WindowAggregate a = new WindowAggregate();
            a.events = in.getLong();
            a.durationSum = in.getDouble();
            a.durations = in.getLong();
            a.maxDuration = in.getDouble();
            if (in.get() == 1) a.sketch = DurationSketch.decode(in);
            if (in.get() == 1) a.users = UniqueCountSketch.decode(in);
            return a;
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
