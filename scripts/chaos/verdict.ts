/**
 * The comparison of what a chaos run published with what its oracle
 * expects: results missing, duplicated (one query × window × facet
 * published more than once) or wrong (a count, a sum or `complete` that
 * differs, or a result the oracle does not expect at all), and whether
 * every poison record was dead-lettered exactly once.
 */
import { resultKey, type Expectation } from './oracle.ts';
import { poisonMarkerIn } from './poison.ts';

/** A result as read from the results topic, with where it was. */
export interface PublishedResult {
  readonly queryId: string;
  readonly windowStart: number;
  readonly facet: readonly unknown[] | null;
  readonly events: number;
  readonly values: Readonly<Record<string, number | null>>;
  readonly complete: boolean;
  readonly partition: number;
  readonly offset: number;
  /** The record's Kafka timestamp (when the node wrote it). */
  readonly timestamp: number;
}

/** A dead letter as read from the deadletter topic. */
export interface ReadDeadLetter {
  readonly stage: string;
  readonly reason: string;
  readonly original: Buffer | null;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: number };
  readonly offset: number;
}

/** The outcome of a comparison; each list holds one line per finding. */
export interface Verdict {
  readonly windows: number;
  readonly missing: readonly string[];
  readonly duplicated: readonly string[];
  readonly wrong: readonly string[];
  /** Dead letters that carry a poison marker the oracle expects (copies included). */
  readonly poisonFound: number;
  readonly poisonExpected: number;
  readonly poisonProblems: readonly string[];
  /** Every other dead letter, by stage/reason. */
  readonly otherDeadLetters: ReadonlyMap<string, number>;
}

const where = (result: PublishedResult): string => `results[${result.partition}]@${result.offset}`;

/** Compares results and dead letters with the expectation. */
export function judge(expectation: Expectation, results: readonly PublishedResult[], deadLetters: readonly ReadDeadLetter[]): Verdict {
  const byKey = new Map<string, PublishedResult[]>();
  for (const result of results) {
    const key = resultKey(result.queryId, result.windowStart, result.facet);
    byKey.set(key, [...(byKey.get(key) ?? []), result]);
  }
  const missing: string[] = [];
  const duplicated: string[] = [];
  const wrong: string[] = [];
  for (const [key, want] of expectation.results) {
    const copies = byKey.get(key);
    if (copies === undefined) {
      missing.push(`${key}: expected count ${want.count}${want.complete ? '' : ' (incomplete)'}, not published`);
      continue;
    }
    if (copies.length > 1) duplicated.push(`${key}: published ${copies.length} times, at ${copies.map(where).join(', ')} (counts ${copies.map((c) => c.events).join(', ')})`);
    for (const copy of copies) {
      const differences: string[] = [];
      if (copy.events !== want.count || copy.values['count(*)'] !== want.count) differences.push(`count ${copy.values['count(*)']} (events ${copy.events}), expected ${want.count}`);
      if (want.sum !== null) {
        const sum = Object.entries(copy.values).find(([label]) => label.startsWith('sum('))?.[1];
        if (typeof sum !== 'number' || Math.abs(sum - want.sum) > 1e-6) differences.push(`sum ${sum}, expected ${want.sum}`);
      }
      if (copy.complete !== want.complete) differences.push(`complete ${copy.complete}, expected ${want.complete}`);
      if (differences.length > 0) wrong.push(`${key} at ${where(copy)}: ${differences.join('; ')}`);
    }
  }
  for (const [key, copies] of byKey) {
    if (!expectation.results.has(key)) wrong.push(`${key}: not expected at all, published at ${copies.map(where).join(', ')} with count ${copies[0]!.events}`);
  }

  const seen = new Map<string, ReadDeadLetter[]>();
  const otherDeadLetters = new Map<string, number>();
  for (const letter of deadLetters) {
    const marker = letter.original === null ? null : poisonMarkerIn(letter.original.subarray(0, 4096).toString('utf8'));
    if (marker === null || !expectation.poison.has(marker)) {
      const label = `${letter.stage}/${letter.reason}`;
      otherDeadLetters.set(label, (otherDeadLetters.get(label) ?? 0) + 1);
      continue;
    }
    seen.set(marker, [...(seen.get(marker) ?? []), letter]);
  }
  const poisonProblems: string[] = [];
  let poisonFound = 0;
  for (const [marker, reason] of expectation.poison) {
    const letters = seen.get(marker) ?? [];
    poisonFound += letters.length;
    if (letters.length === 0) poisonProblems.push(`${marker}: no dead letter`);
    if (letters.length > 1) poisonProblems.push(`${marker}: ${letters.length} dead letters, at deadletter offsets ${letters.map((l) => l.offset).join(', ')}`);
    for (const letter of letters) {
      if (reason !== null && letter.reason !== reason) poisonProblems.push(`${marker}: reason ${letter.reason}, expected ${reason}`);
    }
  }
  return { windows: expectation.results.size, missing, duplicated, wrong, poisonFound, poisonExpected: expectation.poison.size, poisonProblems, otherDeadLetters };
}

/** Whether the run passes: nothing missing, duplicated or wrong, and each poison record dead-lettered once. */
export function passed(verdict: Verdict): boolean {
  return verdict.missing.length === 0 && verdict.duplicated.length === 0 && verdict.wrong.length === 0 && verdict.poisonFound === verdict.poisonExpected && verdict.poisonProblems.length === 0;
}

/** The last line of a run. */
export function summaryLine(verdict: Verdict, faults: number, events: number): string {
  return `chaos: faults ${faults}, events ${events}, windows ${verdict.windows}, missing ${verdict.missing.length}, duplicated ${verdict.duplicated.length}, wrong ${verdict.wrong.length}, dead letters ${verdict.poisonFound} (expected ${verdict.poisonExpected})`;
}
