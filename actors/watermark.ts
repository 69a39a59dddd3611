/**
 * Per-source event-time progress and the watermark it yields: the minimum,
 * over the source partitions that are not idle, of the highest event time
 * seen from each (as Flink combines per-partition watermarks). Taking the
 * highest event time overall would call a slow source's events late.
 */
import { topicPartitionKey } from '../protocols/topic-partition.ts';

/** Progress of one source partition. */
export interface SourceProgress {
  /** Highest event time seen. */
  readonly maxEventTime: number;
  /** Runtime clock time when its last event was handled. */
  readonly seenAt: number;
}

/** No watermark yet: nothing is late, nothing closes by event time. */
export const NO_WATERMARK = Number.MIN_SAFE_INTEGER;

/** The key of a source partition in `WatermarkInputs.sources` (persisted in snapshots). */
export const sourceKey = (topic: string, partition: number): string => topicPartitionKey({ topic, partition });

/** What the watermark is computed from. */
export interface WatermarkInputs {
  readonly sources: Readonly<Record<string, SourceProgress>>;
  /** Partition counts of the source topics, as the matched events declare them. */
  readonly sourceTopics: Readonly<Record<string, number>>;
  /** Clock time of the first event on this partition: sources never heard from hold the watermark back until they are idle too. */
  readonly firstEventAt: number | null;
}

/**
 * The watermark over the sources that are not idle at `now`; with every
 * source idle, the highest of them. A source never heard from counts as
 * active (holding the watermark at nothing) until `idleTimeoutMs` after the
 * partition's first event.
 */
export function watermarkOf(inputs: WatermarkInputs, now: number, idleTimeoutMs: number): number {
  const { sources, sourceTopics, firstEventAt } = inputs;
  if (firstEventAt === null) return NO_WATERMARK;
  if (now - firstEventAt < idleTimeoutMs) {
    for (const topic in sourceTopics) {
      for (let partition = 0; partition < sourceTopics[topic]!; partition++) {
        if (sources[sourceKey(topic, partition)] === undefined) return NO_WATERMARK;
      }
    }
  }
  let active = Number.MAX_SAFE_INTEGER;
  let anyActive = false;
  let highest = NO_WATERMARK;
  for (const key in sources) {
    const source = sources[key]!;
    if (source.maxEventTime > highest) highest = source.maxEventTime;
    if (now - source.seenAt < idleTimeoutMs) {
      anyActive = true;
      if (source.maxEventTime < active) active = source.maxEventTime;
    }
  }
  return anyActive ? active : highest;
}
