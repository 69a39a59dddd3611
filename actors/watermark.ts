/**
 * Per-source event-time progress and the watermark it yields: the minimum,
 * over the source partitions that are not idle, of the highest event time
 * seen from each (as Flink combines per-partition watermarks). Taking the
 * highest event time overall would call a slow source's events late.
 */

/** Progress of one source partition. */
export interface SourceProgress {
  /** Highest event time seen. */
  readonly maxEventTime: number;
  /** Runtime clock time when its last event was handled. */
  readonly seenAt: number;
}

/** No watermark yet: nothing is late, nothing closes by event time. */
export const NO_WATERMARK = Number.MIN_SAFE_INTEGER;

export const sourceKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** The watermark over the sources that are not idle at `now`; with every source idle, the highest of them. */
export function watermarkOf(sources: Readonly<Record<string, SourceProgress>>, now: number, idleTimeoutMs: number): number {
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
