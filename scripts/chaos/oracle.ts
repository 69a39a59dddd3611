/**
 * The oracle: what a chaos run must publish, computed from its plan alone
 * (hence from the seed), with its own counting and none of eventide's code:
 * for every event, the queries it matches; its window starts at
 * floor(timestamp / size) * size; one result per query × window × facet
 * value, with the count and the sum. It also names every poison record,
 * which must be dead-lettered once.
 */
import type { ChaosEvent } from './load.ts';
import { PROBE_WINDOWS } from './load.ts';
import type { ChaosPlan } from './plan.ts';
import { POISON_KINDS, poisonMarker, type PoisonKind } from './poison.ts';
import type { ChaosQuery } from './queries.ts';

/** One result the run must publish. */
export interface ExpectedResult {
  readonly queryId: string;
  readonly windowStart: number;
  /** `[value]` of the FACET attribute, or null without FACET. */
  readonly facet: readonly (string | number | null)[] | null;
  count: number;
  /** `sum(<sumOf>)`, or null when the query has none. */
  sum: number | null;
  /** false for a window its query's cancellation closed. */
  readonly complete: boolean;
}

/** What a run must produce. */
export interface Expectation {
  /** By `resultKey`. */
  readonly results: ReadonlyMap<string, ExpectedResult>;
  /** The events the results count (main load and probes). */
  readonly events: number;
  /** The marker of every poison record, with the dead-letter reason it must get (null: any). */
  readonly poison: ReadonlyMap<string, string | null>;
}

/** The identity of a result: query, window start, facet. */
export function resultKey(queryId: string, windowStart: number, facet: readonly unknown[] | null): string {
  return `${queryId}|${windowStart}|${JSON.stringify(facet)}`;
}

function matches(query: ChaosQuery, event: ChaosEvent): boolean {
  if (!query.eventTypes.includes(event.eventType)) return false;
  return query.where === null || event.attributes[query.where.attribute] === query.where.equals;
}

/**
 * Adds the results of `events` for `queries` to `into`; windows starting at
 * or after `incompleteFrom` are expected with `complete: false`.
 */
function count(queries: readonly ChaosQuery[], events: readonly ChaosEvent[], into: Map<string, ExpectedResult>, incompleteFrom = Infinity): void {
  for (const event of events) {
    for (const query of queries) {
      if (!matches(query, event)) continue;
      const windowStart = Math.floor(event.timestamp / query.windowMs) * query.windowMs;
      const facet = query.facet === null ? null : [event.attributes[query.facet] ?? null];
      const key = resultKey(query.id, windowStart, facet);
      let result = into.get(key);
      if (result === undefined) {
        result = { queryId: query.id, windowStart, facet, count: 0, sum: query.sumOf === null ? null : 0, complete: windowStart < incompleteFrom };
        into.set(key, result);
      }
      result.count++;
      if (query.sumOf !== null) result.sum! += Number(event.attributes[query.sumOf]);
    }
  }
}

/** The expectation of a plan. The trailing events' windows stay open, so no result of them is expected. */
export function expectedOutcome(plan: ChaosPlan): Expectation {
  const results = new Map<string, ExpectedResult>();
  const mainEvents = plan.chunks.flat().flatMap((record) => record.events);
  count(plan.queries, mainEvents, results);
  let events = mainEvents.length;
  for (const probe of plan.probes.values()) {
    const probeEvents = probe.records.flatMap((record) => record.events);
    // A probe is cancelled once its complete windows are out: the window of its trailing events is published incomplete.
    count([probe.query], probeEvents, results, probe.base + PROBE_WINDOWS * probe.query.windowMs);
    events += probeEvents.length;
  }
  const poison = new Map<string, string | null>();
  for (const step of plan.poisonPartitions.keys()) {
    for (const kind of Object.keys(POISON_KINDS) as PoisonKind[]) poison.set(poisonMarker(step, kind), POISON_KINDS[kind]);
  }
  return { results, events, poison };
}
