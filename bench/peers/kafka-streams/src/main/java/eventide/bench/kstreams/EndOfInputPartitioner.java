package eventide.bench.kstreams;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Partitions a query's repartition topic by key (the default), except the
 * end-of-input signal, which goes to every partition: each windowing task has
 * its own stream time, and every one of them must see the signal to close
 * its last windows.
 */
final class EndOfInputPartitioner implements StreamPartitioner<String, Measurement> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Measurement value, int numPartitions) {
        if (value == null || !value.endOfInput()) return Optional.empty();
        return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
    }
}
