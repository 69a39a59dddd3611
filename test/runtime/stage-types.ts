/**
 * Type-level specification of `defineStage`, checked by `npm run typecheck`
 * (this file is compiled, never run): a machine that does not fit the
 * runtime contract is a type error. Each `@ts-expect-error` fails the
 * typecheck if the line below it compiles.
 */
import { emit, setup } from 'xstate';
import {
  defineStage,
  defineTable,
  type PartitionInput,
  type RuntimeMessage,
  type StageDefinition,
  type StageEmission,
  type TickMessage,
  type BatchMessage,
} from 'eventide';

interface Click {
  readonly user: string;
  readonly at: number;
}

const decodeClick = (record: { readonly value: Buffer | null }): Click => JSON.parse(String(record.value)) as Click;

const clickMachine = setup({
  types: { input: {} as PartitionInput, context: {} as { seen: number }, events: {} as RuntimeMessage<Click>, emitted: {} as StageEmission },
}).createMachine({
  context: { seen: 0 },
  on: {
    'eventide.batch': {
      actions: emit(({ event }) => ({ type: 'eventide.output' as const, records: event.records.map((record) => ({ topic: 'seen', key: record.value.user, value: String(record.value.at) })) })),
    },
  },
});

// A machine that fits: its value type flows to the stage's definition.
export const fits: StageDefinition<Click> = defineStage({ name: 'clicks', input: { topic: 'clicks', decode: decodeClick }, machine: clickMachine });

// A stage declares the topics it writes, read-only lists included.
const written = ['seen'] as const;
export const declaresOutputs: StageDefinition<Click> = defineStage({ name: 'clicks', input: { topic: 'clicks', decode: decodeClick }, machine: clickMachine, outputs: written });
// @ts-expect-error outputs are topic names
export const outputsAreNames = defineStage({ name: 'clicks', input: { topic: 'clicks', decode: decodeClick }, machine: clickMachine, outputs: [{ topic: 'seen' }] });

// decode must return what the machine's batches carry.
// @ts-expect-error decode returns a number, the machine expects Click
defineStage({ name: 'clicks', input: { topic: 'clicks', decode: () => 42 }, machine: clickMachine });

// A machine that handles no `eventide.batch` is not a partition machine.
const tickOnly = setup({ types: { events: {} as TickMessage, emitted: {} as StageEmission } }).createMachine({});
// @ts-expect-error the machine's events do not include eventide.batch
defineStage({ name: 'ticks', input: { topic: 'clicks', decode: decodeClick }, machine: tickOnly });

// Its events must include every RuntimeMessage, not just some.
const batchOnly = setup({ types: { events: {} as BatchMessage<Click> | TickMessage, emitted: {} as StageEmission } }).createMachine({});
// @ts-expect-error eventide.published, eventide.table, eventide.restored, eventide.snapshot and eventide.revoke are missing
defineStage({ name: 'batches', input: { topic: 'clicks', decode: decodeClick }, machine: batchOnly });

// It may emit only StageEmissions.
const emitsOther = setup({ types: { events: {} as RuntimeMessage<Click>, emitted: {} as StageEmission | { type: 'alarm'; user: string } } }).createMachine({});
// @ts-expect-error 'alarm' is not an emission the runtime acts on
defineStage({ name: 'alarms', input: { topic: 'clicks', decode: decodeClick }, machine: emitsOther });

// A machine whose input needs configuration gets it from machineInput, typed.
const configured = setup({
  types: { input: {} as PartitionInput & { readonly gapMs: number }, events: {} as RuntimeMessage<Click>, emitted: {} as StageEmission },
}).createMachine({});
export const withInput = defineStage({ name: 'gaps', input: { topic: 'clicks', decode: decodeClick }, machine: configured, machineInput: { gapMs: 1000 } });
// @ts-expect-error the machine needs gapMs and the stage gives none
defineStage({ name: 'gaps', input: { topic: 'clicks', decode: decodeClick }, machine: configured });
// @ts-expect-error gapMs is a number
defineStage({ name: 'gaps', input: { topic: 'clicks', decode: decodeClick }, machine: configured, machineInput: { gapMs: 'soon' } });

// Its input must accept what the runtime passes.
const wrongInput = setup({ types: { input: {} as { readonly partition: string }, events: {} as RuntimeMessage<Click>, emitted: {} as StageEmission } }).createMachine({});
// @ts-expect-error the runtime passes a numeric partition
defineStage({ name: 'wrong-input', input: { topic: 'clicks', decode: decodeClick }, machine: wrongInput });

// Tables given by definition are checked against the machine's table messages.
const limits = defineTable({ name: 'limits', topic: 'limits', decode: (value): number => Number(value.toString()) });
const names = defineTable({ name: 'names', topic: 'names', decode: (value): string => value.toString() });
const limited = setup({ types: { events: {} as RuntimeMessage<Click, number>, emitted: {} as StageEmission } }).createMachine({});
export const withTable = defineStage({ name: 'limited', input: { topic: 'clicks', decode: decodeClick }, machine: limited, tables: [limits] });
export const byName = defineStage({ name: 'limited', input: { topic: 'clicks', decode: decodeClick }, machine: limited, tables: ['limits'] });
// @ts-expect-error the names table holds strings, the machine expects numbers
defineStage({ name: 'limited', input: { topic: 'clicks', decode: decodeClick }, machine: limited, tables: [names] });
