/**
 * The window results a set of queries must produce from a set of events,
 * computed directly (no pipeline, no actors), so a pipeline run can be
 * checked against something independent of it.
 */
import type { Event } from '../../protocols/event.ts';
import type { WindowResult } from '../../protocols/result/index.ts';
import { resultKey } from './pipeline-fixture.ts';

/** A query in NRQL and the same query as plain functions. */
export interface QuerySpec {
  readonly id: string;
  readonly nrql: string;
  readonly windowMs: number;
  readonly matches: (event: Event) => boolean;
  /** The facet value, or null without FACET. */
  readonly facet: (event: Event) => string | null;
  /** The result values of one window × facet group. */
  readonly values: (events: readonly Event[]) => Record<string, number>;
}

export interface ExpectedResult {
  readonly queryId: string;
  readonly windowStart: number;
  readonly facet: string[] | null;
  readonly events: number;
  readonly values: Record<string, number>;
}

const durations = (events: readonly Event[]): number[] => events.map((event) => event.attributes.duration as number);

/** The queries most pipeline tests run: facets, several aggregates, two window sizes, two event types. */
export const STANDARD_QUERIES: readonly QuerySpec[] = [
  {
    id: 'shop-views',
    nrql: "SELECT count(*) FROM PageView WHERE appName = 'shop' FACET country TIMESERIES 1 minute",
    windowMs: 60_000,
    matches: (event) => event.eventType === 'PageView' && event.attributes.appName === 'shop',
    facet: (event) => String(event.attributes.country),
    values: (events) => ({ 'count(*)': events.length }),
  },
  {
    id: 'durations',
    nrql: 'SELECT count(*), sum(duration), min(duration), max(duration) FROM Transaction TIMESERIES 30 seconds',
    windowMs: 30_000,
    matches: (event) => event.eventType === 'Transaction',
    facet: () => null,
    values: (events) => ({
      'count(*)': events.length,
      'sum(duration)': durations(events).reduce((sum, value) => sum + value, 0),
      'min(duration)': Math.min(...durations(events)),
      'max(duration)': Math.max(...durations(events)),
    }),
  },
  {
    id: 'api-by-country',
    nrql: "SELECT count(*), max(duration) FROM PageView, Transaction WHERE appName = 'api' FACET country TIMESERIES 1 minute",
    windowMs: 60_000,
    matches: (event) => event.attributes.appName === 'api',
    facet: (event) => String(event.attributes.country),
    values: (events) => ({ 'count(*)': events.length, 'max(duration)': Math.max(...durations(events)) }),
  },
  {
    id: 'blog-count',
    nrql: "SELECT count(*) FROM PageView WHERE appName = 'blog' TIMESERIES 1 minute",
    windowMs: 60_000,
    matches: (event) => event.eventType === 'PageView' && event.attributes.appName === 'blog',
    facet: () => null,
    values: (events) => ({ 'count(*)': events.length }),
  },
];

/** One expected result per query × window × facet group with events, keyed by `resultKey`. */
export function expectedResults(queries: readonly QuerySpec[], events: readonly Event[]): Map<string, ExpectedResult> {
  const groups = new Map<string, { queryId: string; windowStart: number; facet: string[] | null; events: Event[]; query: QuerySpec }>();
  for (const query of queries) {
    for (const event of events) {
      if (!query.matches(event)) continue;
      const windowStart = Math.floor(event.timestamp / query.windowMs) * query.windowMs;
      const value = query.facet(event);
      const facet = value === null ? null : [value];
      const key = resultKey({ queryId: query.id, windowStart, facet });
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { queryId: query.id, windowStart, facet, events: [], query }));
      group.events.push(event);
    }
  }
  return new Map(
    [...groups].map(([key, group]) => [
      key,
      { queryId: group.queryId, windowStart: group.windowStart, facet: group.facet, events: group.events.length, values: group.query.values(group.events) },
    ]),
  );
}

/** Differences between results and the expectation, in words; empty when they agree (sums to 1e-6). */
export function compareResults(results: readonly WindowResult[], expected: ReadonlyMap<string, ExpectedResult>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const result of results) {
    const key = resultKey(result);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const want = expected.get(key);
    if (want === undefined) {
      problems.push(`unexpected result ${key}: ${JSON.stringify(result.values)}`);
      continue;
    }
    if (result.events !== want.events) problems.push(`${key}: ${result.events} events, expected ${want.events}`);
    for (const [name, value] of Object.entries(want.values)) {
      const got = result.values[name];
      if (typeof got !== 'number' || Math.abs(got - value) > 1e-6) problems.push(`${key}: ${name} = ${JSON.stringify(got)}, expected ${value}`);
    }
  }
  for (const [key, count] of seen) if (count > 1) problems.push(`${key} published ${count} times`);
  for (const key of expected.keys()) if (!seen.has(key)) problems.push(`${key} missing`);
  return problems;
}
