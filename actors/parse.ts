/**
 * The parse stage's partition machine: raw event batches in, single events
 * out on the parsed topic (same partition number, so each source keeps its
 * order), rejected events to the dead-letter topic with their reason. The
 * batch itself was decoded by the stage (gunzip, JSON), so a whole-batch
 * failure is already a dead letter before it gets here. The output topic's
 * name comes in the input (`parsedTopic`), so a pipeline can be renamed.
 *
 * It is stateless: it has one state and handles every message the runtime
 * sends a stage without snapshots or publications (batches, `restored`,
 * `revoke`), so none is reported as unhandled.
 */
import { enqueueActions, setup } from 'xstate';
import type { DecodedEventBatch } from '../protocols/event-batch/index.ts';
import { producedRecordBytes } from '../protocols/record-size.ts';
import { recordLimitOf, tooLargeLetter } from './record-limit.ts';
import { encodeParsedEvent } from '../protocols/parsed-event/index.ts';
import type { DeadLetterRequest, OutputRecord, PartitionInput, RuntimeMessage, StageEmission } from '../protocols/stage.ts';
import { eventTimeBounds, eventTimeLetter, type EventTimeBounds } from './event-time.ts';

/** What the parse stage supplies besides `PartitionInput`. */
export interface ParseInput extends PartitionInput {
  /** Where single events go (`events.parsed`, prefixed or renamed). */
  readonly parsedTopic: string;
  /** How far from the clock an event's timestamp may be; the defaults fill what is not given. */
  readonly eventTime?: Partial<EventTimeBounds>;
}

export interface ParseContext {
  readonly partition: number;
  readonly parsedTopic: string;
  readonly eventTime: EventTimeBounds;
  /** The largest record the parsed topic takes: an event above it is dead-lettered `too-large`. */
  readonly maxParsedRecordBytes: number;
}

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
    input: {} as ParseInput,
    context: {} as ParseContext,
    events: {} as RuntimeMessage<DecodedEventBatch>,
    emitted: {} as StageEmission,
  },
}).createMachine({
  id: 'parse',
  context: ({ input }) => ({ partition: input.partition, parsedTopic: input.parsedTopic, eventTime: eventTimeBounds(input.eventTime), maxParsedRecordBytes: recordLimitOf(input, input.parsedTopic) }),
  on: {
    'eventide.batch': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const records: OutputRecord[] = [];
        const letters: DeadLetterRequest[] = [];
        for (const record of event.records) {
          letters.push(...rejectedLetters(record.offset, record.value));
          const { events } = record.value;
          for (let index = 0; index < events.length; index++) {
            const parsed = events[index]!;
            const outOfBounds = eventTimeLetter(parsed, event.now, context.eventTime, record.offset, `an event (${parsed.eventType}) of the batch`);
            if (outOfBounds !== null) {
              letters.push(outOfBounds);
              continue;
            }
            const value = encodeParsedEvent(parsed);
            const bytes = producedRecordBytes({ value });
            if (bytes <= context.maxParsedRecordBytes) records.push({ topic: context.parsedTopic, value, timestamp: parsed.timestamp });
            else letters.push(tooLargeLetter(`event ${index} of the batch`, { topic: context.parsedTopic, value, bytes, limit: context.maxParsedRecordBytes }, record.offset));
          }
        }
        enqueue.emit({ type: 'eventide.output', records });
        enqueue.emit({ type: 'eventide.deadletter', letters });
      }),
    },
    // Sent on every start; a stateless machine has nothing to restore and publishes nothing, so nothing to drop.
    'eventide.restored': {},
    // The partition leaves: each batch's outputs were committed with its input offsets, so nothing is left to flush.
    'eventide.revoke': {},
  },
});
