/**
 * The queries of a chaos run, each held twice: as NRQL for eventide, and as
 * a plain description (event types, one equality, a facet, a window size,
 * a sum) that the oracle evaluates itself, without eventide's parser.
 */
import { partitionForKey } from '../../protocols/partitioner.ts';

/** A query as the oracle reads it. */
export interface ChaosQuery {
  readonly id: string;
  /** `FROM`: the event types it selects. */
  readonly eventTypes: readonly string[];
  /** `WHERE attribute = 'value'`, or none. */
  readonly where: { readonly attribute: string; readonly equals: string } | null;
  /** `FACET attribute`, or none. */
  readonly facet: string | null;
  /** `TIMESERIES`: tumbling windows of this size, aligned to the epoch. */
  readonly windowMs: number;
  /** `sum(attribute)` of an integer attribute besides `count(*)`, or none. */
  readonly sumOf: string | null;
}

/** The NRQL eventide is given for a query. */
export function nrqlOf(query: ChaosQuery): string {
  const select = ['count(*)', ...(query.sumOf === null ? [] : [`sum(${query.sumOf})`])].join(', ');
  const where = query.where === null ? '' : ` WHERE ${query.where.attribute} = '${query.where.equals}'`;
  const facet = query.facet === null ? '' : ` FACET ${query.facet}`;
  return `SELECT ${select} FROM ${query.eventTypes.join(', ')}${where}${facet} TIMESERIES ${durationText(query.windowMs)}`;
}

function durationText(ms: number): string {
  if (ms % 60_000 === 0) return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
  return `${ms / 1000} seconds`;
}

/** The main load's queries: facets and none, three window sizes, two event types, sums. */
const MAIN_QUERIES: readonly ChaosQuery[] = [
  { id: 'shop-views', eventTypes: ['PageView'], where: { attribute: 'appName', equals: 'shop' }, facet: 'country', windowMs: 60_000, sumOf: null },
  { id: 'transactions', eventTypes: ['Transaction'], where: null, facet: null, windowMs: 30_000, sumOf: 'bytes' },
  { id: 'api-by-country', eventTypes: ['PageView', 'Transaction'], where: { attribute: 'appName', equals: 'api' }, facet: 'country', windowMs: 60_000, sumOf: null },
  { id: 'blog-views', eventTypes: ['PageView'], where: { attribute: 'appName', equals: 'blog' }, facet: null, windowMs: 60_000, sumOf: 'bytes' },
  { id: 'tx-by-app', eventTypes: ['Transaction'], where: null, facet: 'appName', windowMs: 120_000, sumOf: 'bytes' },
];

/**
 * The main queries with ids suffixed (`-<k>`, the smallest k that works) so
 * that they land on distinct aggregate partitions: every partition that can
 * have state does, and whichever moves has something to restore.
 */
export function mainQueries(matchedPartitions: number): ChaosQuery[] {
  for (let k = 1; k < 10_000; k++) {
    const renamed = MAIN_QUERIES.map((query) => ({ ...query, id: `${query.id}-${k}` }));
    const used = new Set(renamed.map((query) => partitionForKey(query.id, matchedPartitions)));
    if (used.size === Math.min(renamed.length, matchedPartitions)) return renamed;
  }
  throw new Error(`no suffix spreads ${MAIN_QUERIES.length} queries over ${matchedPartitions} partitions`);
}

/** The event type only probe queries select, so no main query sees a probe's events. */
export const PROBE_EVENT_TYPE = 'ChaosProbe';

/**
 * A query added and cancelled during the run: it counts only events of its
 * own (`probe = '<id>'`), which are produced after every node registered it.
 */
export function probeQuery(index: number): ChaosQuery {
  const id = `probe-${index}`;
  return { id, eventTypes: [PROBE_EVENT_TYPE], where: { attribute: 'probe', equals: id }, facet: 'shard', windowMs: 10_000, sumOf: null };
}
