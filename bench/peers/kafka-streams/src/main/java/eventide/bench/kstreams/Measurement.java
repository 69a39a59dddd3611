package eventide.bench.kstreams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What a query's windows need of one event, as it travels through the
 * query's repartition topic: the duration (NaN when the event has none as a
 * number), the userId (null when absent) and whether it is the end-of-input
 * signal. A compact binary encoding rather than the event's JSON: a user
 * tuning for throughput sends only what the aggregate reads.
 */
record Measurement(double duration, String userId, boolean endOfInput) {

    static final Measurement END_OF_INPUT = new Measurement(Double.NaN, null, true);

    static Measurement of(Event event) {
        return event.endOfInput() ? END_OF_INPUT : new Measurement(event.numberAttribute("duration"), event.stringAttribute("userId"), false);
    }

    static Serde<Measurement> serde() {
        Serializer<Measurement> serializer = (topic, m) -> {
            byte[] user = m.userId == null ? new byte[0] : m.userId.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(1 + 8 + 4 + user.length)
                    .put((byte) (m.endOfInput ? 1 : 0))
                    .putDouble(m.duration)
                    .putInt(m.userId == null ? -1 : user.length)
                    .put(user)
                    .array();
        };
        Deserializer<Measurement> deserializer = (topic, bytes) -> {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            boolean end = in.get() == 1;
            double duration = in.getDouble();
            int length = in.getInt();
            String user = length < 0 ? null : new String(bytes, in.position(), length, StandardCharsets.UTF_8);
            return new Measurement(duration, user, end);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
