package eventide.bench.kstreams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The state of one window of one facet: the event count (count(*), and the
 * `events` of a result) and, for the queries that select them, durations
 * (sum and count for average, a {@link DurationSketch} for percentile, the
 * max) and the exact set of userIds (uniqueCount). Changed in place by the
 * adders, as Kafka Streams allows; encoded when the store writes it.
 */
final class WindowAggregate {
    long events;
    double durationSum;
    long durations;
    double maxDuration = Double.NaN;
    DurationSketch sketch = new DurationSketch();
    Set<String> users = new HashSet<>();

    WindowAggregate countEvent() {
        events++;
        return this;
    }

    WindowAggregate addDurationStats(Measurement m) {
        events++;
        if (!Double.isNaN(m.duration())) {
            durationSum += m.duration();
            durations++;
            sketch.add(m.duration());
        }
        return this;
    }

    WindowAggregate addUserAndMax(Measurement m) {
        events++;
        if (m.userId() != null) users.add(m.userId());
        if (!Double.isNaN(m.duration()) && (Double.isNaN(maxDuration) || m.duration() > maxDuration)) maxDuration = m.duration();
        return this;
    }

    static Serde<WindowAggregate> serde() {
        Serializer<WindowAggregate> serializer = (topic, a) -> {
            List<byte[]> userBytes = new ArrayList<>(a.users.size());
            int usersSize = 0;
            for (String user : a.users) {
                byte[] bytes = user.getBytes(StandardCharsets.UTF_8);
                userBytes.add(bytes);
                usersSize += 4 + bytes.length;
            }
            ByteBuffer out = ByteBuffer.allocate(8 + 8 + 8 + 8 + a.sketch.encodedSize() + 4 + usersSize);
            out.putLong(a.events).putDouble(a.durationSum).putLong(a.durations).putDouble(a.maxDuration);
            a.sketch.encode(out);
            out.putInt(userBytes.size());
            for (byte[] bytes : userBytes) out.putInt(bytes.length).put(bytes);
            return out.array();
        };
        Deserializer<WindowAggregate> deserializer = (topic, bytes) -> {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            WindowAggregate a = new WindowAggregate();
            a.events = in.getLong();
            a.durationSum = in.getDouble();
            a.durations = in.getLong();
            a.maxDuration = in.getDouble();
            a.sketch = DurationSketch.decode(in);
            for (int i = in.getInt(); i > 0; i--) {
                int length = in.getInt();
                a.users.add(new String(bytes, in.position(), length, StandardCharsets.UTF_8));
                in.position(in.position() + length);
            }
            return a;
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
