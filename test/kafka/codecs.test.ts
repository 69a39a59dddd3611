/**
 * eventide reads topics compressed with every codec Kafka producers use, and
 * what it writes with each codec reads back in Kafka's own consumer. The
 * foreign side is Apache Kafka's Java client from the harness's jars, run as
 * a small program (Java's single-file source launcher) in the test's temp
 * folder: its producer batches many records per compressed record batch.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CompressionCodecError, compressionCodecs } from '../../runtime/kafka/codecs.ts';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { defaultKafkaVersion, startKafka, type KafkaTestCluster } from './harness/index.ts';
import { resolveKafkaLibs } from './harness/local-jvm-cluster.ts';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const RECORDS = 400;

const PROBE = `
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;

public class CodecProbe {
  public static void main(String[] args) throws Exception {
    String mode = args[0], brokers = args[1], topic = args[2];
    if (mode.equals("produce")) {
      Properties p = new Properties();
      p.put("bootstrap.servers", brokers);
      p.put("compression.type", args[3]);
      p.put("linger.ms", "200");
      p.put("batch.size", "262144");
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        for (String line : new String(System.in.readAllBytes(), "UTF-8").split("\\n")) {
          if (!line.isEmpty()) producer.send(new ProducerRecord<>(topic, 0, null, line));
        }
        producer.flush();
      }
    } else {
      int count = Integer.parseInt(args[3]);
      Properties p = new Properties();
      p.put("bootstrap.servers", brokers);
      p.put("isolation.level", "read_committed");
      p.put("key.deserializer", StringDeserializer.class.getName());
      p.put("value.deserializer", StringDeserializer.class.getName());
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        int seen = 0;
        long deadline = System.currentTimeMillis() + 60000;
        while (seen < count && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            System.out.println(r.value());
            seen++;
          }
        }
      }
    }
  }
}
`;

/** Runs the Java probe; resolves with its standard output, rejects with its standard error. */
function runProbe(libs: string, dir: string, args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx256m', '-cp', `${libs}/*`, join(dir, 'CodecProbe.java'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`java CodecProbe ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
    child.stdin.end(input);
  });
}

/** Values that compress: the same shape as a raw batch's JSON, differing per record. */
const valuesFor = (codec: string, writer: string): string[] =>
  Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ writer, codec, i, eventType: i % 3 === 0 ? 'Transaction' : 'PageView', attributes: { appName: 'shop', host: `web-${i % 5}`, duration: i / 7 } }));

let kafka: KafkaTestCluster;
let libs: string;
let dir: string;

test.before(async () => {
  kafka = await startKafka();
  libs = resolveKafkaLibs(defaultKafkaVersion());
  dir = mkdtempSync(join(tmpdir(), 'eventide-codecs-'));
  writeFileSync(join(dir, 'CodecProbe.java'), PROBE);
});

test.after.always(async () => {
  await kafka?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

for (const codec of CODECS) {
  test.serial(`reads records that Kafka's Java producer wrote with ${codec}, exactly`, async (t) => {
    t.timeout(120_000);
    const transport = kafkaTransport({ brokers: kafka.brokers, clientId: `codecs-read-${codec}` });
    t.teardown(() => transport.close());
    const topic = `java-${codec}`;
    await transport.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const values = valuesFor(codec, 'java');
    await runProbe(libs, dir, ['produce', kafka.brokers[0]!, topic, codec], `${values.join('\n')}\n`);

    const end = (await transport.reader().endOffsets(topic, 'read_committed')).get(0);
    t.is(end, RECORDS);
    const read: string[] = [];
    for await (const chunk of transport.reader().read({ topic, partition: 0, offset: 0 }, RECORDS, { isolation: 'read_committed' })) {
      read.push(...chunk.map((record) => record.value!.toString('utf8')));
    }
    t.deepEqual(read, values);
  });

  test.serial(`what eventide writes with ${codec} reads back in Kafka's Java consumer, exactly`, async (t) => {
    t.timeout(120_000);
    const topic = `eventide-${codec}`;
    const values = valuesFor(codec, 'eventide');
    const admin = kafkaTransport({ brokers: kafka.brokers, clientId: `codecs-write-${codec}` });
    t.teardown(() => admin.close());
    await admin.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    // eventide's own producer, set to write this topic with the codec.
    const writer = kafkaTransport({ brokers: kafka.brokers, clientId: `codecs-write-${codec}`, compression: (name) => (name === topic ? codec : 'gzip') });
    t.teardown(() => writer.close());
    await writer.producer().send(values.map((value) => ({ topic, partition: 0, value: Buffer.from(value) })));

    const out = await runProbe(libs, dir, ['consume', kafka.brokers[0]!, topic, String(RECORDS)]);
    t.deepEqual(out.split('\n').filter((line) => line.length > 0), values);
  });
}

const corrupt: Readonly<Record<(typeof CODECS)[number], Buffer>> = {
  gzip: Buffer.from('not a gzip stream at all'),
  // The xerial header, then a block that claims 1000 bytes and has 3.
  snappy: Buffer.concat([Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0x03, 0xe8]), Buffer.from('abc')]),
  lz4: Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0xff, 0xff, 0xff, 0x7f, 0x01]),
  zstd: Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 0x00]),
};

for (const codec of CODECS) {
  test(`a corrupt ${codec} record batch fails with an error naming the codec and the batch`, async (t) => {
    const bytes = corrupt[codec];
    const error = await t.throwsAsync(compressionCodecs[codec].decompress(bytes), { instanceOf: CompressionCodecError });
    t.is(error?.codec, codec);
    t.true(error?.message.startsWith(`kafka: cannot decompress a record batch of ${bytes.length} bytes with ${codec}: `), error?.message);
  });
}

test('a snappy batch without the xerial header reads as one raw snappy block, as other clients write it', async (t) => {
  const snappy = createRequire(import.meta.url)('snappy') as { compressSync(bytes: Buffer): Buffer };
  const records = Buffer.from(valuesFor('snappy', 'raw').join('\n'));
  t.deepEqual(await compressionCodecs.snappy.decompress(snappy.compressSync(records)), records);
});

test('snappy batches larger than one 32 KiB xerial block read back whole', async (t) => {
  const records = Buffer.from(Array.from({ length: 40 }, () => valuesFor('snappy', 'large').join('\n')).join('\n'));
  t.true(records.length > 4 * 32 * 1024);
  t.deepEqual(await compressionCodecs.snappy.decompress(await compressionCodecs.snappy.compress({ buffer: records })), records);
});
