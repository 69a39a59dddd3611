/**
 * The parse stage's partition machine: raw event batches in, single events
 * out on `events.parsed` (same partition number, so each source keeps its
 * order), rejected events to the dead-letter topic with their reason. The
 * batch itself was decoded by the stage (gunzip, JSON), so a whole-batch
 * failure is already a dead letter before it gets here.
 */
import { emit, setup } from 'xstate';
import type { DecodedEventBatch } from '../protocols/event-batch/index.ts';
import { encodeParsedEvent } from '../protocols/parsed-event/index.ts';
import type { DeadLetterRequest, OutputRecord, PartitionInput, RuntimeMessage, StageEmission } from '../protocols/stage.ts';

export const PARSED_TOPIC = 'events.parsed';

/** Dead letters for the events a batch rejected. */
export function rejectedLetters(offset: number, batch: DecodedEventBatch): DeadLetterRequest[] {
  return batch.rejected.map((rejected) => ({
    reason: rejected.reason,
    message: `event ${rejected.index} of the batch: ${rejected.message}`,
    offset,
    original: rejected.original,
  }));
}

export const parseMachine = setup({
  types: {
    input: {} as PartitionInput,
    context: {} as { readonly partition: number },
    events: {} as RuntimeMessage<DecodedEventBatch>,
    emitted: {} as StageEmission,
  },
}).createMachine({
  id: 'parse',
  context: ({ input }) => ({ partition: input.partition }),
  on: {
    'eventide.batch': {
      actions: [
        emit(({ event }) => {
          const records: OutputRecord[] = [];
          for (const record of event.records) {
            for (const parsed of record.value.events) records.push({ topic: PARSED_TOPIC, value: encodeParsedEvent(parsed), timestamp: parsed.timestamp });
          }
          return { type: 'eventide.output' as const, records };
        }),
        emit(({ event }) => ({ type: 'eventide.deadletter' as const, letters: event.records.flatMap((record) => rejectedLetters(record.offset, record.value)) })),
      ],
    },
  },
});
