package eventide.bench.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.WindowStore;

/**
 * eventide's three demo queries (cli/demo.ts DEMO_QUERIES), hard-coded as a
 * Kafka Streams user writes them:
 * <ol>
 * <li>q1 {@code SELECT count(*) FROM PageView WHERE appName = 'shop' FACET country TIMESERIES 10 seconds WITH LATENESS 2 seconds}</li>
 * <li>q2 {@code SELECT count(*), average(duration), percentile(duration, 95) FROM Transaction FACET appName TIMESERIES 10 seconds ...}</li>
 * <li>q3 {@code SELECT uniqueCount(userId), max(duration) FROM PageView, Transaction WHERE host LIKE 'web-%' TIMESERIES 10 seconds ...}</li>
 * </ol>
 * Each: filter, key by facet, repartition, 10 s tumbling windows (epoch-aligned,
 * [start, end), as eventide's) with the given grace, aggregate,
 * suppress until the window closes, and one JSON result per window and facet
 * on the results topic, keyed by query id. A missing facet attribute is the
 * facet value null; a comparison or LIKE on a missing or non-string attribute
 * is false, as in eventide.
 */
final class DemoQueries {
    static final long WINDOW_MS = 10_000;
    /** The key of the end-of-input signal's windows (not a JSON array, so no facet key can equal it). */
    static final String END_OF_INPUT_KEY = "end-of-input";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Query(
            String id,
            Predicate<Event> matches,
            Function<Event, String> facetKey,
            BiFunction<Measurement, WindowAggregate, WindowAggregate> adder,
            BiFunction<WindowAggregate, ObjectNode, ObjectNode> values) {}

    static final List<Query> QUERIES = List.of(
            new Query("q1",
                    e -> e.eventType().equals("PageView") && "shop".equals(e.stringAttribute("appName")),
                    e -> facet(e.attribute("country")),
                    (m, a) -> a.countEvent(),
                    (a, v) -> v.put("count(*)", a.events)),
            new Query("q2",
                    e -> e.eventType().equals("Transaction"),
                    e -> facet(e.attribute("appName")),
                    (m, a) -> a.addDurationStats(m),
                    (a, v) -> {
                        v.put("count(*)", a.events);
                        putNumber(v, "average(duration)", a.durations == 0 ? Double.NaN : a.durationSum / a.durations);
                        putNumber(v, "percentile(duration, 95)", a.sketch == null ? Double.NaN : a.sketch.quantile(0.95));
                        return v;
                    }),
            new Query("q3",
                    e -> (e.eventType().equals("PageView") || e.eventType().equals("Transaction"))
                            && e.stringAttribute("host") != null && e.stringAttribute("host").startsWith("web-"),
                    e -> "[]",
                    (m, a) -> a.addUserAndMax(m),
                    (a, v) -> {
                        v.put("uniqueCount(userId)", a.users == null ? 0 : a.users.estimate());
                        putNumber(v, "max(duration)", a.maxDuration);
                        return v;
                    }));

    static Topology build(String inputTopic, String endOfInputTopic, String resultsTopic, Duration grace, Progress progress) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, Event> events = builder
                .stream(List.of(inputTopic, endOfInputTopic), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(() -> new EventBatchProcessor(endOfInputTopic, progress), Named.as("events"));
        for (int q = 0; q < QUERIES.size(); q++) {
            Query query = QUERIES.get(q);
            int index = q;
            events.filter((type, e) -> e.endOfInput() || query.matches.test(e), Named.as(query.id + "-where"))
                    .map((type, e) -> KeyValue.pair(e.endOfInput() ? END_OF_INPUT_KEY : query.facetKey.apply(e), Measurement.of(e)),
                            Named.as(query.id + "-facet"))
                    .peek((k, m) -> { if (!m.endOfInput()) progress.repartitioned.incrementAndGet(index); }, Named.as(query.id + "-sent"))
                    .repartition(Repartitioned.<String, Measurement>as(query.id + "-by-facet")
                            .withKeySerde(Serdes.String())
                            .withValueSerde(Measurement.serde())
                            .withStreamPartitioner(new EndOfInputPartitioner()))
                    .peek((k, m) -> { if (!m.endOfInput()) progress.windowed.incrementAndGet(index); }, Named.as(query.id + "-received"))
                    .groupByKey(Grouped.with(query.id + "-grouped", Serdes.String(), Measurement.serde()))
                    .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW_MS), grace))
                    .aggregate(WindowAggregate::new, (key, m, a) -> query.adder.apply(m, a),
                            Named.as(query.id + "-aggregate"),
                            Materialized.<String, WindowAggregate, WindowStore<Bytes, byte[]>>as(query.id + "-windows")
                                    .withKeySerde(Serdes.String())
                                    .withValueSerde(WindowAggregate.serde()))
                    .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName(query.id + "-until-closed"))
                    .toStream(Named.as(query.id + "-closed"))
                    .map((window, a) -> KeyValue.pair(query.id, result(query, window, a)), Named.as(query.id + "-result"))
                    .to(resultsTopic, Produced.with(Serdes.String(), Serdes.String()));
        }
        return builder.build();
    }

    /** The facet tuple as JSON text, e.g. {@code ["DE"]}; written by hand, as Jackson's tree writer cost more than the window update. */
    private static String facet(JsonNode value) {
        if (value == null) return "[null]";
        if (value.isTextual()) return "[\"" + new String(JsonStringEncoder.getInstance().quoteAsString(value.textValue())) + "\"]";
        return "[" + value + "]";
    }

    private static String result(Query query, Windowed<String> window, WindowAggregate a) {
        ObjectNode out = JSON.createObjectNode();
        boolean endOfInput = window.key().equals(END_OF_INPUT_KEY);
        out.put("queryId", query.id).put("windowStart", window.window().start()).put("windowEnd", window.window().end());
        try {
            out.set("facet", endOfInput || window.key().equals("[]") ? JsonNodeFactory.instance.nullNode() : JSON.readTree(window.key()));
        } catch (Exception e) {
            throw new IllegalStateException("facet key " + window.key() + " is not JSON", e);
        }
        out.put("events", a.events).put("endOfInput", endOfInput);
        out.set("values", query.values.apply(a, JSON.createObjectNode()));
        return out.toString();
    }

    private static void putNumber(ObjectNode values, String name, double value) {
        if (Double.isFinite(value)) values.put(name, value);
        else values.putNull(name);
    }

    private DemoQueries() {}
}
