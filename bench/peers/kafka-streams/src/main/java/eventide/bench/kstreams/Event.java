package eventide.bench.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One flat event of a raw batch, or the end-of-input signal. Events travel
 * only inside the parsing sub-topology (no serde): each query turns them into
 * a {@link Measurement} before its repartition.
 */
record Event(String eventType, long timestamp, ObjectNode attributes, boolean endOfInput) {

    static Event endOfInput(long timestamp) {
        return new Event("", timestamp, null, true);
    }

    /** An attribute, or null when the event does not carry it (or carries JSON null). */
    JsonNode attribute(String name) {
        JsonNode value = attributes.get(name);
        return value == null || value.isNull() ? null : value;
    }

    /** An attribute that is a string, or null. */
    String stringAttribute(String name) {
        JsonNode value = attribute(name);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    /** An attribute that is a number, or NaN. */
    double numberAttribute(String name) {
        JsonNode value = attribute(name);
        return value != null && value.isNumber() ? value.doubleValue() : Double.NaN;
    }
}
