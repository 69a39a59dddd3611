package eventide.bench.kstreams;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * Runs the demo queries as a Kafka Streams application until its standard
 * input closes. It reports on stdout, one JSON object a line:
 * {@code {"state":"RUNNING","atMs":…}} when it runs, and once every one of the
 * {@code --events} input events has reached its query's windows,
 * {@code {"endOfInputAtMs":…}}: it then writes the end-of-input signal (two
 * records per partition of {@code <application-id>-end-of-input}, one window
 * plus grace past the newest event read, and one window plus grace later) so that stream time
 * closes every window of the input, and the windows of the first signal
 * close with the second. Errors go to stderr and as {@code {"error":…}}.
 *
 * <pre>
 * java -jar eventide-kafka-streams-peer.jar --brokers 127.0.0.1:9092 --input events.raw --results ks.results \
 *   --application-id ks-1 --grace-ms 2000 --events 1000000 [--threads 2] [--state-dir DIR]
 * </pre>
 */
public final class PeerMain {

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parseArgs(argv);
        String brokers = required(args, "brokers");
        String input = required(args, "input");
        String results = required(args, "results");
        String applicationId = required(args, "application-id");
        Duration grace = Duration.ofMillis(Long.parseLong(required(args, "grace-ms")));
        long expectedEvents = Long.parseLong(required(args, "events"));
        int threads = Integer.parseInt(args.getOrDefault("threads", "2"));
        boolean sharedRepartition = switch (args.getOrDefault("repartition", "shared")) {
            case "shared" -> true;
            case "per-query" -> false;
            default -> { usage("--repartition is shared or per-query"); yield false; }
        };
        boolean inMemoryWindows = switch (args.getOrDefault("window-store", "in-memory")) {
            case "in-memory" -> true;
            case "rocksdb" -> false;
            default -> { usage("--window-store is in-memory or rocksdb"); yield false; }
        };
        Path stateDir = args.containsKey("state-dir") ? Path.of(args.get("state-dir")) : Files.createTempDirectory("eventide-kstreams-");
        String endOfInputTopic = applicationId + "-end-of-input";

        int partitions = createEndOfInputTopic(brokers, input, endOfInputTopic);
        Progress progress = new Progress(DemoQueries.QUERIES.size());
        KafkaStreams streams = new KafkaStreams(
                DemoQueries.build(input, endOfInputTopic, results, grace, inMemoryWindows, sharedRepartition, progress),
                streamsConfig(brokers, applicationId, threads, stateDir, args.getOrDefault("streams-config", "")));
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) report("{\"state\":\"RUNNING\",\"atMs\":" + System.currentTimeMillis() + "}");
        });
        streams.setUncaughtExceptionHandler(e -> {
            System.err.println("kafka-streams peer: stream thread failed: " + e);
            report("{\"error\":" + quote(String.valueOf(e)) + "}");
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(streams, stateDir)));
        streams.start();

        Thread signaller = new Thread(() -> signalEndOfInputWhenDrained(brokers, endOfInputTopic, partitions, grace, expectedEvents, progress), "end-of-input");
        signaller.setDaemon(true);
        signaller.start();

        // Run until the driver closes our standard input (or goes away).
        InputStream stdin = System.in;
        while (stdin.read() != -1) {
            // ignore what is written
        }
        close(streams, stateDir);
        System.exit(0);
    }

    /**
     * Settings (README.md says why): exactly_once_v2 with its default 100 ms
     * commit interval, one stream thread per core, state in a temporary
     * directory; everything else is Kafka Streams' default.
     */
    static Properties streamsConfig(String brokers, String applicationId, int threads, Path stateDir, String overrides) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.CLIENT_ID_CONFIG, applicationId);
        // --streams-config "name=value;name=value": further settings (e.g. producer.linger.ms), over the ones above, to try others.
        for (String setting : overrides.split(";")) {
            if (setting.isBlank()) continue;
            int equals = setting.indexOf('=');
            if (equals <= 0) usage("--streams-config wants name=value;name=value, not " + setting);
            props.put(setting.substring(0, equals).trim(), setting.substring(equals + 1).trim());
        }
        return props;
    }

    private static int createEndOfInputTopic(String brokers, String input, String endOfInputTopic) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(props)) {
            int partitions = admin.describeTopics(List.of(input)).allTopicNames().get().get(input).partitions().size();
            try {
                admin.createTopics(List.of(new NewTopic(endOfInputTopic, Optional.of(partitions), Optional.empty()))).all().get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
            return partitions;
        }
    }

    private static void signalEndOfInputWhenDrained(String brokers, String topic, int partitions, Duration grace, long expectedEvents, Progress progress) {
        try {
            while (!progress.drained(expectedEvents)) Thread.sleep(10);
            // Just far enough: brokers refuse record timestamps more than an hour ahead (log.message.timestamp.after.max.ms).
            long first = progress.newestEventTime.get() + DemoQueries.WINDOW_MS + grace.toMillis() + 1;
            long second = first + DemoQueries.WINDOW_MS + grace.toMillis() + 1;
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                long sentAt = System.currentTimeMillis();
                List<java.util.concurrent.Future<?>> sends = new java.util.ArrayList<>();
                for (long at : new long[] {first, second}) {
                    byte[] value = ("{\"endOfInputAt\":" + at + "}").getBytes(StandardCharsets.UTF_8);
                    for (int p = 0; p < partitions; p++) sends.add(producer.send(new ProducerRecord<>(topic, p, at, null, value)));
                }
                for (java.util.concurrent.Future<?> send : sends) send.get();
                report("{\"endOfInputAtMs\":" + sentAt + ",\"progress\":" + progress + "}");
            }
        } catch (Exception e) {
            System.err.println("kafka-streams peer: could not signal the end of input: " + e);
            report("{\"error\":" + quote("end of input: " + e) + "}");
        }
    }

    private static volatile boolean closed;

    private static synchronized void close(KafkaStreams streams, Path stateDir) {
        if (closed) return;
        closed = true;
        streams.close(Duration.ofSeconds(30));
        streams.cleanUp();
        try (Stream<Path> paths = Files.walk(stateDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("kafka-streams peer: could not delete state dir " + stateDir + ": " + e);
        }
    }

    private static synchronized void report(String json) {
        System.out.println(json);
        System.out.flush();
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) usage("unexpected argument " + argv[i]);
            args.put(argv[i].substring(2), argv[++i]);
        }
        return args;
    }

    private static String required(Map<String, String> args, String name) {
        String value = args.get(name);
        if (value == null) usage("--" + name + " is required");
        return value;
    }

    private static void usage(String problem) {
        System.err.println("kafka-streams peer: " + problem + "\nusage: --brokers HOST:PORT --input TOPIC --results TOPIC --application-id ID"
                + " --grace-ms MS --events N [--threads 2] [--state-dir DIR] [--window-store in-memory|rocksdb] [--repartition shared|per-query] [--streams-config name=value;...]");
        System.exit(2);
    }

    private PeerMain() {}
}
