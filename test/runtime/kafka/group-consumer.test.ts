/**
 * How the kafka group consumer tells lost partitions from revoked ones,
 * driven through a fake of the narrow part of a kafkajs consumer it uses
 * (its events, run, pause/resume/seek, commitOffsets). The same behaviour on
 * a real broker is in the transport contract suite (test/kafka/).
 */
import test from 'ava';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { TopicPartition } from '../../../protocols/transport.ts';
import { KafkaGroupConsumer } from '../../../runtime/kafka/group-consumer.ts';
import { Changes } from '../../helpers/transport-contract/waiting.ts';

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  CRASH: 'consumer.crash',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
} as const;

/** A kafkajs protocol error as kafkajs throws it: branching is on `type`. */
const protocolError = (type: string): Error => Object.assign(new Error(`The coordinator is not aware of this member (${type})`), { name: 'KafkaJSProtocolError', type, retriable: false });

/** The part of a kafkajs consumer the group consumer calls; a test emits its events. */
class FakeKafkaConsumer {
  readonly events = EVENTS;
  readonly #listeners = new Map<string, ((event: { payload: unknown }) => void)[]>();
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  commitError: Error | undefined;

  on(event: string, listener: (event: { payload: unknown }) => void): () => void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return () => undefined;
  }

  emit(event: string, payload: unknown): void {
    for (const listener of this.#listeners.get(event) ?? []) listener({ payload });
  }

  /** kafkajs's GROUP_JOIN after a JoinGroup/SyncGroup round. */
  join(memberId: string, partitions: readonly number[], topic = 't'): void {
    this.emit(EVENTS.GROUP_JOIN, { memberId, memberAssignment: { [topic]: [...partitions] } });
  }

  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> {
    this.eachBatch = config.eachBatch;
  }
  pause(): void {}
  resume(): void {}
  seek(): void {}
  async commitOffsets(): Promise<void> {
    if (this.commitError !== undefined) throw this.commitError;
  }
  async disconnect(): Promise<void> {}
}

/** A member on the fake, with what its owner was told, in order. */
async function member(options: { heartbeatIntervalMs?: number; onBatch?: () => Promise<void> } = {}) {
  const fake = new FakeKafkaConsumer();
  const kafka = { consumer: () => fake as unknown as Consumer } as unknown as Kafka;
  const errors: unknown[] = [];
  const told: string[] = [];
  const changes = new Changes();
  const keys = (partitions: readonly TopicPartition[]) => partitions.map((tp) => `${tp.topic}/${tp.partition}`).join(',');
  const consumer = new KafkaGroupConsumer(kafka, { groupId: 'g' }, { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000 }, (error) => errors.push(error));
  await consumer.connect();
  const running = consumer.run(['t'], {
    onPartitionsAssigned: async (partitions) => void told.push(`assigned ${keys(partitions)}`),
    onPartitionsRevoked: async (partitions) => void told.push(`revoked ${keys(partitions)}`),
    onPartitionsLost: async (partitions) => {
      told.push(`lost ${keys(partitions)}`);
      changes.notify();
    },
    onBatch: async () => options.onBatch?.(),
  });
  /** Waits until the owner was told `count` things (callbacks run in a queue, after the event). */
  const toldAtLeast = (count: number) => changes.until(() => told.length >= count, `${count} callbacks: ${told.join('; ')}`);
  const settled = async () => {
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { fake, consumer, running, errors, told, changes, toldAtLeast, settled };
}

test('a rejoin under the same member id is a planned rebalance: only the difference is reported, as revocations', async (t) => {
  const m = await member();
  m.fake.join('member-1', [0, 1, 2]);
  await m.running;
  m.fake.join('member-1', [1, 2, 3]);
  await m.settled();
  t.deepEqual(m.told, ['assigned t/0,t/1,t/2', 'revoked t/0', 'assigned t/3']);
  t.deepEqual(m.consumer.assignment().map((tp) => tp.partition), [1, 2, 3]);
});

test('a rejoin under a new member id (the coordinator forgot the old one) reports everything owned as lost, then the new assignment from nothing', async (t) => {
  const m = await member();
  m.fake.join('member-1', [0, 1]);
  await m.running;
  m.fake.join('member-2', [1, 2]);
  await m.settled();
  t.deepEqual(m.told, ['assigned t/0,t/1', 'lost t/0,t/1', 'assigned t/1,t/2'], 'a partition that comes back is assigned again, never kept');
  t.false(m.told.some((line) => line.startsWith('revoked')));
});

test('a kafkajs crash that restarts reports everything owned as lost; the restarted member is assigned from nothing', async (t) => {
  const m = await member();
  m.fake.join('member-1', [0, 1]);
  await m.running;
  m.fake.emit(EVENTS.CRASH, { error: protocolError('REQUEST_TIMED_OUT'), groupId: 'g', restart: true });
  await m.toldAtLeast(2);
  t.deepEqual(m.consumer.assignment(), [], 'nothing is delivered once lost');
  m.fake.join('member-2', [0]);
  await m.settled();
  t.deepEqual(m.told, ['assigned t/0,t/1', 'lost t/0,t/1', 'assigned t/0']);
  t.deepEqual(m.errors, [], 'a crash kafkajs recovers from is not an error of the member');
});

test('a kafkajs crash that stops the consumer is reported as an error and its partitions as lost', async (t) => {
  const m = await member();
  m.fake.join('member-1', [0, 1]);
  await m.running;
  const error = protocolError('GROUP_AUTHORIZATION_FAILED');
  m.fake.emit(EVENTS.CRASH, { error, groupId: 'g', restart: false });
  await m.toldAtLeast(2);
  t.deepEqual(m.told, ['assigned t/0,t/1', 'lost t/0,t/1']);
  t.deepEqual(m.errors, [error]);
});

test('a commit answered UNKNOWN_MEMBER_ID fails and reports the partitions lost at once', async (t) => {
  const m = await member();
  m.fake.join('member-1', [0, 1]);
  await m.running;
  await m.settled();
  m.fake.commitError = protocolError('UNKNOWN_MEMBER_ID');
  await t.throwsAsync(() => m.consumer.commitOffsets([{ topic: 't', partition: 0, offset: 5 }]), { message: /UNKNOWN_MEMBER_ID/ });
  await m.toldAtLeast(2);
  t.deepEqual(m.told, ['assigned t/0,t/1', 'lost t/0,t/1']);
  m.fake.join('member-2', [0, 1]);
  await m.settled();
  t.deepEqual(m.told, ['assigned t/0,t/1', 'lost t/0,t/1', 'assigned t/0,t/1'], 'the rejoin under a new id reports no second loss');
});

test('a commit that fails otherwise loses nothing', async (t) => {
  const m = await member();
  m.fake.join('member-1', [0]);
  await m.running;
  await m.settled();
  m.fake.commitError = protocolError('REBALANCE_IN_PROGRESS');
  await t.throwsAsync(() => m.consumer.commitOffsets([{ topic: 't', partition: 0, offset: 5 }]));
  await m.settled();
  t.deepEqual(m.told, ['assigned t/0']);
  t.deepEqual(m.consumer.assignment().map((tp) => tp.partition), [0]);
});

test('a heartbeat answered UNKNOWN_MEMBER_ID while a slow onBatch runs reports the partitions lost before the batch ends', async (t) => {
  let lostWhileInBatch = false;
  // The batch ends only once its partition was reported lost: it would never end otherwise.
  const m = await member({ heartbeatIntervalMs: 200, onBatch: () => m.changes.until(() => (lostWhileInBatch = m.told.includes('lost t/0')), 'the loss during the batch') });
  m.fake.join('member-1', [0]);
  await m.running;
  await m.settled();
  const message = { offset: '0', key: null, value: Buffer.from('v'), headers: {}, timestamp: '1', attributes: 0 };
  await m.fake.eachBatch!({
    batch: { topic: 't', partition: 0, highWatermark: '1', messages: [message], firstOffset: () => '0', lastOffset: () => '0' },
    heartbeat: () => Promise.reject(protocolError('UNKNOWN_MEMBER_ID')),
    resolveOffset: () => undefined,
    isStale: () => false,
  } as unknown as EachBatchPayload);
  t.true(lostWhileInBatch);
  t.deepEqual(m.told, ['assigned t/0', 'lost t/0']);
});
