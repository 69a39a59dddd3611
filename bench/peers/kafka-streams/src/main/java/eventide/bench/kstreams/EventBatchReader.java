package eventide.bench.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads an `events.raw` value: a JSON array of flat events, gzip-compressed
 * as a whole when it starts with the gzip magic (1f 8b). Each element is
 * checked as eventide checks it: an object with a non-empty string
 * `eventType`, a finite number `timestamp` (epoch ms) and attributes that are
 * strings, numbers, booleans or null. An invalid element is rejected alone;
 * a value that is not a JSON array at all throws.
 */
final class EventBatchReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The valid events of a batch and how many elements were rejected. */
    record Batch(List<Event> events, int rejected) {}

    static final class UnreadableBatchException extends Exception {
        UnreadableBatchException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static Batch read(byte[] value) throws UnreadableBatchException {
        JsonNode root;
        try (InputStream in = open(value)) {
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new UnreadableBatchException("not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (root == null || !root.isArray()) {
            throw new UnreadableBatchException("not a JSON array of events", null);
        }
        List<Event> events = new ArrayList<>(root.size());
        int rejected = 0;
        for (JsonNode element : root) {
            Event event = readEvent(element);
            if (event == null) rejected++;
            else events.add(event);
        }
        return new Batch(events, rejected);
    }

    private static InputStream open(byte[] value) throws IOException {
        InputStream bytes = new ByteArrayInputStream(value);
        boolean gzip = value.length >= 2 && (value[0] & 0xff) == 0x1f && (value[1] & 0xff) == 0x8b;
        return gzip ? new GZIPInputStream(bytes, 64 * 1024) : bytes;
    }

    private static Event readEvent(JsonNode element) {
        if (!(element instanceof ObjectNode object)) return null;
        JsonNode eventType = object.get("eventType");
        JsonNode timestamp = object.get("timestamp");
        if (eventType == null || !eventType.isTextual() || eventType.textValue().isEmpty()) return null;
        if (timestamp == null || !timestamp.isNumber() || !Double.isFinite(timestamp.doubleValue())) return null;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            if (it.next().getValue().isContainerNode()) return null;
        }
        return new Event(eventType.textValue(), (long) Math.floor(timestamp.doubleValue()), object, false);
    }

    private EventBatchReader() {}
}
