/**
 * Pauses in output: gaps between consecutive result publications (the
 * results records' Kafka timestamps, i.e. when a node wrote them, merged
 * over all partitions), measured while the load was flowing, overall and
 * around each fault.
 */

/** A gap between two publications. */
export interface OutputPause {
  readonly ms: number;
  /** The publication before the gap (epoch ms). */
  readonly from: number;
  /** The publication after it, or the end of the load when output had not resumed by then. */
  readonly to: number;
}

/** When a fault ran, wall clock. */
export interface FaultSpan {
  readonly index: number;
  readonly kind: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * The gaps between consecutive publications from the first publication
 * after `loadStartedAt` (the time to a first result is not a pause) to
 * `loadEndedAt`, a gap still open then ending there.
 */
export function outputPauses(publishedAt: readonly number[], loadStartedAt: number, loadEndedAt: number): OutputPause[] {
  const times = publishedAt.filter((time) => time >= loadStartedAt).sort((a, b) => a - b);
  const pauses: OutputPause[] = [];
  for (let i = 0; i < times.length && times[i]! < loadEndedAt; i++) {
    const to = Math.min(times[i + 1] ?? loadEndedAt, loadEndedAt);
    pauses.push({ ms: to - times[i]!, from: times[i]!, to });
  }
  return pauses;
}

/** The longest of the pauses, or null when there are none. */
export function longestPause(pauses: readonly OutputPause[]): OutputPause | null {
  return pauses.reduce<OutputPause | null>((longest, pause) => (longest === null || pause.ms > longest.ms ? pause : longest), null);
}

/** The longest pause overlapping a fault, for each kind of fault. */
export function longestPauseByKind(pauses: readonly OutputPause[], faults: readonly FaultSpan[]): Map<string, OutputPause | null> {
  const byKind = new Map<string, OutputPause | null>();
  for (const fault of faults) {
    const overlapping = pauses.filter((pause) => pause.to > fault.startedAt && pause.from < fault.endedAt);
    const longest = longestPause(overlapping);
    const before = byKind.get(fault.kind) ?? null;
    byKind.set(fault.kind, before === null || (longest !== null && longest.ms > before.ms) ? longest : before);
  }
  return byKind;
}
