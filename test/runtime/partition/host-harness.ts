/**
 * A real PartitionHost on the memory transport, for tests of the host: its
 * group consumer is a fake that records pause, resume and seek (the host
 * asks nothing else of it; the test delivers batches itself), and its
 * transport counts the partition producer's connects and disconnects and can
 * hold a connect open (to catch the host in `restoring`).
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { ConsumedRecord, GroupConsumer, ProducedRecord, TopicPartition, TopicPartitionOffset, TransactionalProducer, Transport } from '../../../protocols/transport.ts';
import type { PartitionInput, RuntimeMessage, StageEmission } from '../../../protocols/stage.ts';
import { encodePublishMarker, encodeSnapshot, type SnapshotLogRecord } from '../../../protocols/snapshot/index.ts';
import { MemoryLog, memoryTransport } from '../../../runtime/memory/index.ts';
import { ManualClock } from '../../../runtime/clock.ts';
import { Instrumentation } from '../../../runtime/instrumentation.ts';
import type { Logger } from '../../../runtime/logger.ts';
import { defineStage, type StageDefinition } from '../../../runtime/stage.ts';
import { PartitionHost, type PartitionHostContext } from '../../../runtime/partition-host.ts';

export const PARTITION = 0;
export const TOPICS = { input: 'clicks', outputs: 'seen', results: 'alerts', snapshots: 'counter.snapshots', deadLetters: 'deadletter' } as const;

interface CounterContext {
  readonly seen: number;
  /** Publications asked for and not acknowledged yet: the machine owns them. */
  readonly publishing: Readonly<Record<string, string>>;
  /** Every runtime message type received, in order (what the host sent). */
  readonly received: readonly string[];
  readonly restoredFrom: string | null;
  /** The keys `eventide.restored` said were published. */
  readonly restoredPublished: readonly string[];
}

/**
 * A small partition machine: `restoring` until `eventide.restored`, then
 * `running`. A record `out:X` emits an output, `pub:K` asks to publish K;
 * the machine keeps K until `eventide.published` and asks again for the
 * ones it still holds when it is restored. It has no transition for ticks.
 */
export const counterMachine = setup({
  types: { input: {} as PartitionInput, context: {} as CounterContext, events: {} as RuntimeMessage<string>, emitted: {} as StageEmission },
  actions: {
    note: assign({ received: ({ context, event }) => [...context.received, event.type] }),
  },
}).createMachine({
  id: 'counter',
  context: { seen: 0, publishing: {}, received: [], restoredFrom: null, restoredPublished: [] },
  initial: 'restoring',
  on: {
    // A snapshot restores in the state it was taken in, so every state leaves on eventide.restored.
    'eventide.restored': {
      target: '.running',
      actions: [
        'note',
        assign({ restoredFrom: ({ event }) => event.from, restoredPublished: ({ event }) => event.published.map((notice) => notice.key) }),
        enqueueActions(({ context, enqueue }) => {
          for (const [key, value] of Object.entries(context.publishing)) enqueue.emit({ type: 'eventide.publish', key, records: [{ topic: TOPICS.results, key, value }] });
        }),
      ],
    },
    'eventide.table': { actions: 'note' },
    'eventide.snapshot': { actions: 'note' },
    'eventide.published': {
      actions: [
        'note',
        assign({ publishing: ({ context, event }) => Object.fromEntries(Object.entries(context.publishing).filter(([key]) => key !== event.key)) }),
      ],
    },
  },
  states: {
    restoring: {},
    running: {
      on: {
        'eventide.revoke': { actions: 'note' },
        'eventide.batch': {
          actions: [
            'note',
            enqueueActions(({ context, event, enqueue }) => {
              const publishing: Record<string, string> = { ...context.publishing };
              for (const record of event.records) {
                const [kind, name] = record.value.split(':') as [string, string];
                if (kind === 'out') enqueue.emit({ type: 'eventide.output', records: [{ topic: TOPICS.outputs, key: name, value: `${name}@${record.offset}` }] });
                if (kind === 'pub') {
                  publishing[name] = `${name}@${record.offset}`;
                  enqueue.emit({ type: 'eventide.publish', key: name, records: [{ topic: TOPICS.results, key: name, value: `${name}@${record.offset}` }] });
                }
                if (kind === 'late') enqueue.emit({ type: 'eventide.deadletter', letters: [{ reason: 'late', message: name, offset: record.offset, original: record.value }] });
              }
              enqueue.assign({ seen: context.seen + event.records.length, publishing });
            }),
          ],
        },
      },
    },
  },
});

export const counterStage = (snapshots = true): StageDefinition<unknown> =>
  defineStage({
    name: 'counter',
    input: { topic: TOPICS.input, decode: (record): string => String(record.value) },
    machine: counterMachine,
    ...(snapshots ? { snapshots: { topic: TOPICS.snapshots, everyMs: 60_000 } } : {}),
  }) as StageDefinition<unknown>;

/** A group consumer that only records what the host asks of it. */
export class RecordingConsumer implements GroupConsumer {
  readonly calls: string[] = [];
  async connect(): Promise<void> {}
  async run(): Promise<void> {}
  pause(partitions: readonly TopicPartition[]): void {
    this.calls.push(`pause ${partitions.map((p) => p.partition).join(',')}`);
  }
  resume(partitions: readonly TopicPartition[]): void {
    this.calls.push(`resume ${partitions.map((p) => p.partition).join(',')}`);
  }
  seek(position: TopicPartitionOffset): void {
    this.calls.push(`seek ${position.partition}@${position.offset}`);
  }
  async commitOffsets(): Promise<void> {}
  assignment(): TopicPartition[] {
    return [{ topic: TOPICS.input, partition: PARTITION }];
  }
  async disconnect(): Promise<void> {}
}

/** Log lines kept for assertions. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  readonly #bound: Record<string, unknown>;
  constructor(bound: Record<string, unknown> = {}, lines?: RecordingLogger['lines']) {
    this.#bound = bound;
    if (lines !== undefined) this.lines = lines;
  }
  debug(fields: object, message: string): void {
    this.lines.push({ level: 'debug', fields: { ...this.#bound, ...fields }, message });
  }
  info(fields: object, message: string): void {
    this.lines.push({ level: 'info', fields: { ...this.#bound, ...fields }, message });
  }
  warn(fields: object, message: string): void {
    this.lines.push({ level: 'warn', fields: { ...this.#bound, ...fields }, message });
  }
  error(fields: object, message: string): void {
    this.lines.push({ level: 'error', fields: { ...this.#bound, ...fields }, message });
  }
  child(fields: object): Logger {
    return new RecordingLogger({ ...this.#bound, ...fields }, this.lines);
  }
}

export interface HostEnvironment {
  readonly transport: Transport;
  readonly consumer: RecordingConsumer;
  readonly clock: ManualClock;
  readonly logger: RecordingLogger;
  readonly instrumentation: Instrumentation;
  readonly failures: unknown[];
  /** Connects and disconnects of the partition producers. */
  readonly producerCalls: string[];
  /** Holds the next producer connect open until the returned function is called. */
  holdNextConnect(): () => void;
  host(stage?: StageDefinition<unknown>, context?: Partial<PartitionHostContext>): PartitionHost;
  /** Writes records to the snapshots partition, as an earlier owner would have. */
  writeSnapshots(records: readonly SnapshotLogRecord[]): Promise<void>;
  /** Every committed record of a topic's partition. */
  read(topic: string, partition?: number): Promise<ConsumedRecord[]>;
  /** The partition's high-water marks of every topic, to check that nothing was written. */
  highWatermarks(): Promise<Record<string, number>>;
}

export async function hostEnvironment(options: { instrumentation?: Instrumentation } = {}): Promise<HostEnvironment> {
  const base = memoryTransport(new MemoryLog(), { clientId: 'host-test' });
  const partitions: Record<string, number> = { [TOPICS.input]: 1, [TOPICS.outputs]: 1, [TOPICS.results]: 1, [TOPICS.snapshots]: 1, [TOPICS.deadLetters]: 1 };
  await base.admin().createTopics(Object.entries(partitions).map(([name, count]) => ({ name, partitions: count })));
  const producerCalls: string[] = [];
  let connectGate: Promise<void> | null = null;
  const transport: Transport = {
    kind: base.kind,
    admin: () => base.admin(),
    producer: () => base.producer(),
    consumer: (consumerOptions) => base.consumer(consumerOptions),
    reader: () => base.reader(),
    close: () => base.close(),
    transactionalProducer: (id): TransactionalProducer => {
      const producer = base.transactionalProducer(id);
      return {
        transactionalId: producer.transactionalId,
        connect: async () => {
          producerCalls.push('connect');
          const gate = connectGate;
          connectGate = null;
          if (gate !== null) await gate;
          await producer.connect();
        },
        transaction: () => producer.transaction(),
        disconnect: () => {
          producerCalls.push('disconnect');
          return producer.disconnect();
        },
      };
    },
  };
  const consumer = new RecordingConsumer();
  const clock = new ManualClock();
  const logger = new RecordingLogger();
  const instrumentation = options.instrumentation ?? new Instrumentation({ logger });
  const failures: unknown[] = [];
  const reader = transport.reader();
  const plain = base.producer();
  await plain.connect();
  return {
    transport, consumer, clock, logger, instrumentation, failures, producerCalls,
    holdNextConnect: () => {
      let release!: () => void;
      connectGate = new Promise((resolve) => (release = resolve));
      return release;
    },
    host: (stage = counterStage(), context = {}) =>
      new PartitionHost(stage, PARTITION, 1, {
        nodeId: 'node-test', groupId: 'test.counter', transport, consumer, reader, clock, logger, instrumentation,
        partitionsOf: (topic) => partitions[topic],
        tableSnapshot: () => [],
        onFailed: (_host, error) => failures.push(error),
        ...context,
      }),
    writeSnapshots: async (records) => plain.send(records.map((record): ProducedRecord => ({ topic: TOPICS.snapshots, partition: PARTITION, key: record.key, value: record.value, headers: record.headers }))),
    read: async (topic, partition = PARTITION) => {
      const end = (await reader.endOffsets(topic, 'read_committed')).get(partition) ?? 0;
      const records: ConsumedRecord[] = [];
      for await (const chunk of reader.read({ topic, partition, offset: 0 }, end, { isolation: 'read_committed' })) records.push(...chunk);
      return records;
    },
    highWatermarks: async () => {
      const marks: Record<string, number> = {};
      for (const topic of Object.keys(partitions)) marks[topic] = (await reader.endOffsets(topic, 'read_uncommitted')).get(PARTITION) ?? 0;
      return marks;
    },
  };
}

/** Input records as a fetch delivers them. */
export function batch(from: number, values: readonly string[]) {
  const records: ConsumedRecord[] = values.map((value, i) => ({ topic: TOPICS.input, partition: PARTITION, offset: from + i, key: null, value: Buffer.from(value), headers: {}, timestamp: 0 }));
  return { topic: TOPICS.input, partition: PARTITION, records, highWatermark: from + values.length };
}

/** Waits until the host handled what it was sent, committed it, and handled the acknowledgements. */
export async function settle(host: PartitionHost): Promise<void> {
  for (let round = 0; round < 4; round++) await host.idle();
}

/** A snapshot of the counter machine as a previous owner would have written it (optionally with the old `pending` list). */
export function counterSnapshot(machine: unknown, seq: number, nextOffset: number, pending?: readonly string[]): SnapshotLogRecord[] {
  return encodeSnapshot(
    { stage: 'counter', partition: PARTITION, seq, nextOffset, nodeId: 'node-before', generation: 0, takenAt: 1_700_000_000_000 },
    pending === undefined ? { machine } : { machine, pending },
    512 * 1024,
  );
}

export const counterMarker = (key: string, nextOffset: number): SnapshotLogRecord => encodePublishMarker({ stage: 'counter', partition: PARTITION, key, nextOffset, publishedAt: 0 });

export const values = (records: readonly ConsumedRecord[]): string[] => records.map((record) => String(record.value));
