/**
 * Results in the one shape every contestant's are compared in: the number of
 * events per query × window × facet, for the windows the data closed (those
 * that end by the closing events' time). Other aggregates (averages,
 * percentiles, unique counts) are computed by every contestant but sketched
 * differently, so counts are what must be equal.
 */
import type { WindowResult } from '../../protocols/result/index.ts';

/** `query|windowStart|facet` → events counted. */
export type ResultCounts = Map<string, number>;

/** The comparison key of one result. */
export function resultKey(queryId: string, windowStart: number, facet: readonly unknown[] | null, other = false): string {
  return `${queryId}|${windowStart}|${facet === null ? '-' : JSON.stringify(facet)}${other ? '|other' : ''}`;
}

/** Adds a result of eventide's `results` topic to `counts`, if its window ends before `closingTime`. */
export function addWindowResult(counts: ResultCounts, result: WindowResult, closingTime: number): void {
  if (result.windowEnd > closingTime) return;
  counts.set(resultKey(result.queryId, result.windowStart, result.facet, result.other), result.events);
}

/** How two result sets differ: keys only one has, and keys whose counts differ (the first few of each). */
export interface ResultsComparison {
  readonly same: boolean;
  readonly compared: number;
  /** Keys of the left side the right side has with the same count. */
  readonly agreeing: number;
  readonly onlyLeft: readonly string[];
  readonly onlyRight: readonly string[];
  readonly differing: ReadonlyArray<{ readonly key: string; readonly left: number; readonly right: number }>;
  /** Events of the right side missing against the left (summed over all keys). */
  readonly eventsMissingRight: number;
}

export function compareResults(left: ResultCounts, right: ResultCounts, show = 5): ResultsComparison {
  const onlyLeft: string[] = [];
  const onlyRight: string[] = [];
  const differing: Array<{ key: string; left: number; right: number }> = [];
  let eventsMissingRight = 0;
  for (const [key, count] of left) {
    const other = right.get(key);
    if (other === undefined) {
      onlyLeft.push(key);
      eventsMissingRight += count;
    } else if (other !== count) {
      differing.push({ key, left: count, right: other });
      eventsMissingRight += count - other;
    }
  }
  for (const key of right.keys()) if (!left.has(key)) onlyRight.push(key);
  const same = onlyLeft.length === 0 && onlyRight.length === 0 && differing.length === 0;
  const agreeing = left.size - onlyLeft.length - differing.length;
  return { same, compared: left.size, agreeing, onlyLeft: onlyLeft.slice(0, show), onlyRight: onlyRight.slice(0, show), differing: differing.slice(0, show), eventsMissingRight };
}
