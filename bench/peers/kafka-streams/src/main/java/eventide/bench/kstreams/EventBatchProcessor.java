package eventide.bench.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * flatMap of raw batches to events, each forwarded with its own event time as
 * the record timestamp (so windows downstream follow event time, not the
 * time the batch was produced). A record of the end-of-input topic,
 * `{"endOfInputAt": ms}`, becomes one end-of-input event at that time. A batch
 * that cannot be read is reported on stderr with its offset and reason, and
 * counted; its events are lost to this peer (it has no dead-letter topic).
 */
final class EventBatchProcessor implements Processor<byte[], byte[], String, Event> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String endOfInputTopic;
    private final Progress progress;
    private ProcessorContext<String, Event> context;

    EventBatchProcessor(String endOfInputTopic, Progress progress) {
        this.endOfInputTopic = endOfInputTopic;
        this.progress = progress;
    }

    @Override
    public void init(ProcessorContext<String, Event> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
        if (topic.equals(endOfInputTopic)) {
            forwardEndOfInput(record);
            return;
        }
        if (record.value() == null) return;
        EventBatchReader.Batch batch;
        try {
            batch = EventBatchReader.read(record.value());
        } catch (EventBatchReader.UnreadableBatchException e) {
            progress.batchesUnreadable.incrementAndGet();
            System.err.println("kafka-streams peer: unreadable batch at " + where() + ": " + e.getMessage());
            return;
        }
        progress.eventsRead.addAndGet(batch.events().size() + batch.rejected());
        progress.eventsRejected.addAndGet(batch.rejected());
        for (Event event : batch.events()) {
            progress.newestEventTime.accumulateAndGet(event.timestamp(), Math::max);
            context.forward(new Record<>(event.eventType(), event, event.timestamp()));
        }
    }

    private void forwardEndOfInput(Record<byte[], byte[]> record) {
        try {
            JsonNode at = JSON.readTree(record.value()).get("endOfInputAt");
            context.forward(new Record<>("", Event.endOfInput(at.longValue()), at.longValue()));
        } catch (Exception e) {
            System.err.println("kafka-streams peer: unreadable end-of-input record at " + where() + ": " + e);
        }
    }

    private String where() {
        return context.recordMetadata().map(m -> m.topic() + "/" + m.partition() + "@" + m.offset()).orElse("?");
    }
}
