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
import org.apache.kafka.streams.kstream.Window;
import org.apache.kafka.streams.state.Stores;
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

    /**
     * With {@code inMemoryWindows}, each query's windows are in {@code Stores.inMemoryWindowStore} (still
     * change-logged, so exactly-once restores them), otherwise in Kafka Streams' default RocksDB store.
     */
    static Topology build(String inputTopic, String endOfInputTopic, String resultsTopic, Duration grace, boolean inMemoryWindows, boolean sharedRepartition, Progress progress) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, Event> events = builder
                .stream(List.of(inputTopic, endOfInputTopic), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(() -> new EventBatchProcessor(endOfInputTopic, progress), Named.as("events"));
        if (sharedRepartition) buildShared(events, resultsTopic, grace, inMemoryWindows, progress);
        else buildPerQuery(events, resultsTopic, grace, inMemoryWindows, progress);
        return builder.build();
    }

    /**
     * One repartition topic, one window store and one suppression for all three queries: each event goes
     * through once per query that selects it, keyed by query and facet ({@code 1|["DE"]}), and the adder
     * and the result are the key's query's. Fewer internal topics and half the tasks, so each
     * exactly-once commit flushes and commits fewer partitions.
     */
    private static void buildShared(KStream<String, Event> events, String resultsTopic, Duration grace, boolean inMemoryWindows, Progress progress) {
        events.flatMap((type, e) -> {
                    List<KeyValue<String, Measurement>> out = new java.util.ArrayList<>(QUERIES.size());
                    for (int q = 0; q < QUERIES.size(); q++) {
                        Query query = QUERIES.get(q);
                        if (e.endOfInput()) out.add(KeyValue.pair(q + "|" + END_OF_INPUT_KEY, Measurement.END_OF_INPUT));
                        else if (query.matches.test(e)) out.add(KeyValue.pair(q + "|" + query.facetKey.apply(e), Measurement.of(e)));
                    }
                    return out;
                }, Named.as("by-query-facet"))
                .peek((k, m) -> { if (!m.endOfInput()) progress.repartitioned.incrementAndGet(queryIndex(k)); }, Named.as("sent"))
                .repartition(Repartitioned.<String, Measurement>as("by-query-facet")
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Measurement.serde())
                        .withStreamPartitioner(new EndOfInputPartitioner()))
                .peek((k, m) -> { if (!m.endOfInput()) progress.windowed.incrementAndGet(queryIndex(k)); }, Named.as("received"))
                .groupByKey(Grouped.with("grouped", Serdes.String(), Measurement.serde()))
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW_MS), grace))
                .aggregate(WindowAggregate::new, (key, m, a) -> QUERIES.get(queryIndex(key)).adder.apply(m, a),
                        Named.as("aggregate"),
                        windowStore("windows", grace, inMemoryWindows)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(WindowAggregate.serde()))
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("until-closed"))
                .toStream(Named.as("closed"))
                .map((window, a) -> {
                    Query query = QUERIES.get(queryIndex(window.key()));
                    String facetKey = window.key().substring(window.key().indexOf('|') + 1);
                    return KeyValue.pair(query.id, result(query, facetKey, window.window(), a));
                }, Named.as("result"))
                .to(resultsTopic, Produced.with(Serdes.String(), Serdes.String()));
    }

    /** The query index a shared key starts with (the digits before the first {@code |}). */
    private static int queryIndex(String key) {
        return key.charAt(0) - '0';
    }

    /** Per query: its own repartition topic, window store and suppression. */
    private static void buildPerQuery(KStream<String, Event> events, String resultsTopic, Duration grace, boolean inMemoryWindows, Progress progress) {
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
                            windowStore(query.id + "-windows", grace, inMemoryWindows)
                                    .withKeySerde(Serdes.String())
                                    .withValueSerde(WindowAggregate.serde()))
                    .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName(query.id + "-until-closed"))
                    .toStream(Named.as(query.id + "-closed"))
                    .map((window, a) -> KeyValue.pair(query.id, result(query, window.key(), window.window(), a)), Named.as(query.id + "-result"))
                    .to(resultsTopic, Produced.with(Serdes.String(), Serdes.String()));
        }
    }

    private static Materialized<String, WindowAggregate, WindowStore<Bytes, byte[]>> windowStore(String name, Duration grace, boolean inMemory) {
        if (!inMemory) return Materialized.as(name);
        // Retention: a window must stay until it closes (its size plus grace); no window is read after that.
        Duration window = Duration.ofMillis(WINDOW_MS);
        return Materialized.as(Stores.inMemoryWindowStore(name, window.plus(grace), window, false));
    }

    /** The facet tuple as JSON text, e.g. {@code ["DE"]}; written by hand, as Jackson's tree writer cost more than the window update. */
    private static String facet(JsonNode value) {
        if (value == null) return "[null]";
        if (value.isTextual()) return "[\"" + new String(JsonStringEncoder.getInstance().quoteAsString(value.textValue())) + "\"]";
        return "[" + value + "]";
    }

    private static String result(Query query, String facetKey, Window window, WindowAggregate a) {
        ObjectNode out = JSON.createObjectNode();
        boolean endOfInput = facetKey.equals(END_OF_INPUT_KEY);
        out.put("queryId", query.id).put("windowStart", window.start()).put("windowEnd", window.end());
        try {
            out.set("facet", endOfInput || facetKey.equals("[]") ? JsonNodeFactory.instance.nullNode() : JSON.readTree(facetKey));
        } catch (Exception e) {
            throw new IllegalStateException("facet key " + facetKey + " is not JSON", e);
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
