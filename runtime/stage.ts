/**
 * A stage: one input topic, one partition machine per assigned partition, and
 * the guarantees the runtime gives it (ordered batched delivery, ticks,
 * tables, transactions for what it writes, snapshots and restore, dead
 * letters). This is the public way to put an actor on a stream; the query
 * pipeline's parse, match and aggregate stages use nothing else.
 */
import type { AnyStateMachine, EmittedFrom, EventFromLogic, InputFrom } from 'xstate';
import type { ConsumedRecord } from '../protocols/transport.ts';
import type { BatchMessage, PartitionInput, RuntimeMessage, StageEmission, TableMessage } from '../protocols/stage.ts';
import { ConfigError } from '../protocols/errors.ts';

export type { PartitionInput } from '../protocols/stage.ts';

/** A legal Kafka topic name. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** When and where a stateful stage persists its partition machines (see `StageSettings.snapshots`). */
export interface StageSnapshotPolicy {
  /** The topic holding snapshots; it must have exactly as many partitions as the input topic. */
  readonly topic: string;
  /** Snapshot at least this often while records arrive. @default 5000 */
  readonly everyMs?: number;
  /** Snapshot after this many input records. @default 50000 */
  readonly everyRecords?: number;
  /** Largest snapshot record; bigger state is chunked. @default 512 KiB */
  readonly maxChunkBytes?: number;
}

/** What every stage declares besides its machine and tables: input, ticks, snapshots, dead letters, batch size. */
export interface StageSettings<Value = unknown> {
  /** Unique within a node; names the consumer group (`<group>.<name>`) and transactional ids. */
  readonly name: string;
  /** The topic the stage consumes and how its records are decoded. */
  readonly input: StageInput<Value>;
  /**
   * Every topic the stage's machine writes (`eventide.output` and
   * `eventide.publish` records), besides the dead-letter topic and the
   * snapshot topic, which are implied. The node checks at start that each
   * exists, so a missing or misspelt topic stops the start with a
   * `ConfigError` naming the stage, not the partition's first write. Pass the
   * same names to the machine (through `machineInput`) rather than writing
   * them inside it, so a user can rename them.
   *
   * @default [] (the stage writes dead letters only)
   * @example
   * ```ts
   * defineStage({ name: 'sessionize', input, machine, outputs: ['sessions'], machineInput: { sessionsTopic: 'sessions' } });
   * ```
   */
  readonly outputs?: readonly string[];
  /** Send `eventide.tick` to every partition machine this often; without it the stage gets no ticks. */
  readonly tick?: {
    /** Milliseconds between ticks, on the node's clock. */
    readonly everyMs: number;
  };
  /** Persist the machine's state; without it the stage is stateless and commits its input offsets with its outputs. */
  readonly snapshots?: StageSnapshotPolicy;
  /** Where dead letters go. @default 'deadletter' */
  readonly deadLetterTopic?: string;
  /** Most records in one batch message; bigger fetches are split so no slice of work runs long. @default 500 */
  readonly maxRecordsPerMessage?: number;
}

/** The topic a stage consumes and how its records become the values its machine sees. */
export interface StageInput<Value> {
  /** The topic; the stage's group shares its partitions over the nodes, one partition machine each. */
  readonly topic: string;
  /** Turns a record into the value the machine sees. Throwing `DecodeError` dead-letters the record with its reason. */
  readonly decode: (record: ConsumedRecord) => Value;
}

/** A stage as the runtime hosts it; `defineStage` makes one. */
export interface StageDefinition<Value = unknown> extends StageSettings<Value> {
  /** The partition machine. It receives `RuntimeMessage`s and emits `StageEmission`s (protocols/stage.ts). */
  readonly machine: AnyStateMachine;
  /** Extra fields merged into every partition machine's input (configuration of the machine). */
  readonly machineInput?: Readonly<Record<string, unknown>>;
  /** Tables (by name) whose changes this stage's actors receive. */
  readonly tables?: readonly string[];
}

/** The fields of a machine's input that the stage supplies through `machineInput` (the runtime supplies `PartitionInput`). */
export type MachineInputOf<Machine extends AnyStateMachine> = Omit<InputFrom<Machine>, keyof PartitionInput>;

/** The record value a partition machine expects, read from its `eventide.batch` event type (`never` if it has none). */
export type StageValueOf<Machine extends AnyStateMachine> =
  [Extract<EventFromLogic<Machine>, { readonly type: 'eventide.batch' }>] extends [BatchMessage<infer Value>] ? Value : never;

/** The table value a partition machine expects, read from its `eventide.table` event type (`never` if it has none). */
export type TableValueOf<Machine extends AnyStateMachine> =
  [Extract<EventFromLogic<Machine>, { readonly type: 'eventide.table' }>] extends [TableMessage<infer Value>] ? Value : never;

/**
 * `unknown` when `Machine` is a valid partition machine, otherwise an object
 * whose property name says what is wrong, so the type error points at the
 * machine:
 * - its events must include every `RuntimeMessage` (declare
 *   `setup({ types: { events: {} as RuntimeMessage<Value> } })`);
 * - it may emit only `StageEmission`s (`emitted: {} as StageEmission`);
 * - its input must accept `PartitionInput` plus the stage's `machineInput`.
 */
export type StageMachineCheck<Machine extends AnyStateMachine> =
  [StageValueOf<Machine>] extends [never]
    ? { readonly 'eventide: the machine events must include RuntimeMessage<Value> (it handles no eventide.batch)': EventFromLogic<Machine> }
    : [RuntimeMessage<StageValueOf<Machine>, TableValueOf<Machine>>] extends [EventFromLogic<Machine>]
      ? [EmittedFrom<Machine>] extends [StageEmission]
        ? [PartitionInput & MachineInputOf<Machine>] extends [InputFrom<Machine>]
          ? unknown
          : { readonly 'eventide: the machine input must accept PartitionInput': InputFrom<Machine> }
        : { readonly 'eventide: the machine may emit only StageEmission (eventide.output, eventide.publish, eventide.deadletter)': Exclude<EmittedFrom<Machine>, StageEmission> }
      : { readonly 'eventide: the machine events must include every RuntimeMessage': Exclude<RuntimeMessage<StageValueOf<Machine>, TableValueOf<Machine>>, EventFromLogic<Machine>> };

/**
 * What `defineStage` takes. The machine is the source of truth: `decode` must
 * return the value its `eventide.batch` events carry, `machineInput` has the
 * fields its input needs beyond `PartitionInput`, and tables given as
 * `TableDefinition`s must hold the values its `eventide.table` events carry.
 */
export type StageOptions<Machine extends AnyStateMachine> = StageSettings<StageValueOf<Machine>> & {
  /** The partition machine: events `RuntimeMessage<Value>`, emitted `StageEmission`, input `PartitionInput` (& `machineInput`). */
  readonly machine: Machine & StageMachineCheck<Machine>;
  /** Tables whose changes the stage's actors receive, by definition or by name. */
  readonly tables?: readonly (TableDefinition<TableValueOf<Machine>> | string)[];
} & ({} extends MachineInputOf<Machine>
    ? { /** Extra fields merged into every partition machine's input. */ readonly machineInput?: MachineInputOf<Machine> }
    : { /** Extra fields merged into every partition machine's input (the machine requires some). */ readonly machineInput: MachineInputOf<Machine> });

/**
 * Declares a stage. Checks the definition, at compile time (the machine
 * accepts every `RuntimeMessage` of the decoded value type and emits only
 * `StageEmission`s) and at run time (name, tick), and returns it in the form
 * `createNode` takes.
 *
 * @example
 * ```ts
 * import { setup, emit } from 'xstate';
 * import { defineStage, type RuntimeMessage, type StageEmission, type PartitionInput } from 'eventide';
 *
 * interface Click { readonly user: string; readonly at: number }
 *
 * const clickCounter = setup({
 *   types: {
 *     input: {} as PartitionInput,
 *     context: {} as { clicks: number },
 *     events: {} as RuntimeMessage<Click>,
 *     emitted: {} as StageEmission,
 *   },
 * }).createMachine({ context: { clicks: 0 }, on: { 'eventide.batch': { actions: emit(({ event }) => ({
 *   type: 'eventide.output' as const,
 *   records: event.records.map((record) => ({ topic: 'clicks.seen', key: record.value.user, value: String(record.offset) })),
 * })) } } });
 *
 * const clicks = defineStage({
 *   name: 'click-counter',
 *   input: { topic: 'clicks', decode: (record): Click => JSON.parse(String(record.value)) },
 *   machine: clickCounter,
 *   outputs: ['clicks.seen'],
 *   tick: { everyMs: 1000 },
 *   snapshots: { topic: 'click-counter.snapshots' },
 * });
 * ```
 */
export function defineStage<Machine extends AnyStateMachine>(definition: StageOptions<Machine>): StageDefinition<StageValueOf<Machine>> {
  if (!/^[A-Za-z0-9._-]+$/.test(definition.name)) {
    throw new ConfigError(`stage name '${definition.name}' may only contain letters, digits, '.', '_' and '-'`);
  }
  if (definition.tick !== undefined && !(definition.tick.everyMs > 0)) {
    throw new ConfigError(`stage '${definition.name}': tick.everyMs must be positive`);
  }
  for (const topic of definition.outputs ?? []) {
    if (!TOPIC_NAME.test(topic)) throw new ConfigError(`stage '${definition.name}': output topic '${topic}' is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)`);
  }
  const { tables, machine, machineInput, ...rest } = definition as StageSettings<StageValueOf<Machine>> & {
    readonly machine: AnyStateMachine;
    readonly tables?: readonly (TableDefinition | string)[];
    readonly machineInput?: Readonly<Record<string, unknown>>;
  };
  return {
    ...rest,
    machine,
    ...(machineInput === undefined ? {} : { machineInput }),
    ...(tables === undefined ? {} : { tables: tables.map((table) => (typeof table === 'string' ? table : table.name)) }),
  };
}

/** A changelog topic that every node reads from the earliest offset and then follows (a global table). */
export interface TableDefinition<Value = unknown> {
  /** How stages name the table (`tables: ['limits']`) and how `eventide.table` messages name it. */
  readonly name: string;
  /** The changelog topic; the latest record of a key is its value, a tombstone deletes it. */
  readonly topic: string;
  /** Turns a record value into the table's value; throwing dead-letters the record. A null value is a tombstone. */
  readonly decode: (value: Buffer) => Value;
  /** Where records that `decode` rejects go. @default 'deadletter' */
  readonly deadLetterTopic?: string;
}

/**
 * Declares a table: a changelog topic every node reads to its end at start-up
 * and then follows. Give it to `createNode({ tables })` and name it (or pass
 * it) in a stage's `tables`; its actors then receive `eventide.table` messages.
 *
 * @example
 * ```ts
 * const limits = defineTable({ name: 'limits', topic: 'limits', decode: (value): number => Number(value.toString()) });
 * ```
 */
export function defineTable<Value>(definition: TableDefinition<Value>): TableDefinition<Value> {
  return definition;
}

/** The dead-letter topic of a stage or table that names none (`deadLetterTopic`). */
export const DEFAULT_DEAD_LETTER_TOPIC = 'deadletter';
