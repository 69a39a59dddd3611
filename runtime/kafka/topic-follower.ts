import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { FollowOptions, TopicFollower } from '../../protocols/transport.ts';
import { StaticReadError } from '../../protocols/errors.ts';
import type { EndOffsets } from './end-offsets.ts';
import type { KafkaGroupTimings } from './kafka-config.ts';
import { toConsumedRecord } from './records.ts';

/** Reports a failure of the follower's `onRecords`; the follower goes on. */
export type FollowErrorSink = (error: unknown, context: { topic: string; handler: string }) => void;

/**
 * Follows every partition of a topic from the earliest offset, then live
 * (changelogs such as `queries`). Its own consumer in a group of one
 * (`eventide-follower-<uuid>`, never committing), since it never ends and
 * never seeks. `caughtUp` resolves once every partition was read up to the
 * end offsets taken at the start. Each record is handed on once, even when
 * the consumer restarts from the beginning after a crash or a rejoin.
 */
export async function followTopic(
  kafka: Kafka,
  offsets: EndOffsets,
  timings: KafkaGroupTimings,
  topic: string,
  options: FollowOptions,
  onError: FollowErrorSink,
): Promise<TopicFollower> {
  const isolation = options.isolation ?? 'read_committed';
  const [start, end] = await Promise.all([offsets.start(topic), offsets.end(topic, isolation)]);
  const positions = new Map(start);
  const total = [...end].reduce((sum, [partition, offset]) => sum + Math.max(0, offset - (start.get(partition) ?? 0)), 0);
  const read = () =>
    [...end].reduce((sum, [partition, offset]) => sum + Math.max(0, Math.min(positions.get(partition) ?? 0, offset) - (start.get(partition) ?? 0)), 0);

  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const caughtUp = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  caughtUp.catch(() => undefined);
  let behind = true;
  const progress = () => {
    if (!behind) return;
    const done = read();
    options.onProgress?.(done, total);
    if (done >= total) {
      behind = false;
      settle.resolve();
    }
  };
  const advance = (partition: number, next: number) => {
    if (next > (positions.get(partition) ?? 0)) positions.set(partition, next);
    progress();
  };

  const consumer: Consumer = kafka.consumer({
    groupId: `eventide-follower-${randomUUID()}`,
    readUncommitted: isolation === 'read_uncommitted',
    sessionTimeout: timings.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: timings.heartbeatIntervalMs ?? 3_000,
    maxWaitTimeInMs: timings.maxWaitTimeMs ?? 500,
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic && payload.batchSize === 0) advance(payload.partition, Number(payload.lastOffset) + 1);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    // Given up (a batch it cannot decompress): the follower stops where it is, and says where.
    const [partition, endOffset] = [...end].find(([p, offset]) => (positions.get(p) ?? 0) < offset) ?? [...end][0] ?? [0, 0];
    const at = positions.get(partition) ?? 0;
    const error = new StaticReadError(topic, partition, at, `kafka: following ${topic} stopped at ${topic}[${partition}] offset ${at}${behind ? ` (of ${endOffset} to catch up to)` : ''}: its consumer crashed on a batch it cannot read: ${payload.error.message}`, { cause: payload.error });
    if (behind) settle.reject(error);
    else onError(error, { topic, handler: 'follow' });
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      // The consumer commits nothing, so after a crash and restart (a broker down past kafkajs's retries)
      // or a rejoin it fetches from the beginning again: what was handed on already is not handed on twice.
      const from = positions.get(batch.partition) ?? 0;
      const records = batch.messages.map((message) => toConsumedRecord(batch.topic, batch.partition, message)).filter((record) => record.offset >= from);
      try {
        if (records.length > 0) await options.onRecords(records);
      } catch (error) {
        onError(error, { topic, handler: 'onRecords' });
      }
      advance(batch.partition, Number(batch.lastOffset()) + 1);
    },
  });
  progress();

  return {
    caughtUp,
    async stop() {
      await consumer.disconnect();
    },
  };
}
