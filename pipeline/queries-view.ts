/**
 * The query pipeline's own inspector view, `queries`: every registered
 * query with its NRQL, lifetime and state, and its newest results as the
 * results topic holds them. It is the pipeline's, not the runtime's: the
 * inspector serves it because the node that runs the pipeline adds it.
 */
import type { InspectorView, PartitionReader, TableView, TopicFollower, ViewColumn, ViewContent, ViewRow } from '../index.ts';
import type { QueryRecord } from '../protocols/query-record/index.ts';
import { decodeWindowResult, type WindowResult } from '../protocols/result/index.ts';
import { parseQuery } from '../protocols/nrql/index.ts';

const QUERY_COLUMNS: ViewColumn[] = [
  { key: 'id', title: 'Id', format: 'code' },
  { key: 'nrql', title: 'NRQL', format: 'code', note: 'error' },
  { key: 'createdAt', title: 'Created', format: 'time' },
  { key: 'expiresAt', title: 'Expires', format: 'relative' },
  { key: 'state', title: 'State', format: 'state' },
  { key: 'published', title: 'Published', format: 'number', numeric: true },
];

const RESULT_COLUMNS: ViewColumn[] = [
  { key: 'windowStart', title: 'Window start', format: 'time' },
  { key: 'windowEnd', title: 'Window end', format: 'time' },
  { key: 'facet', title: 'Facet', format: 'list' },
  { key: 'values', title: 'Values', format: 'values' },
  { key: 'complete', title: '', format: 'state' },
];

/** Results kept per query (the newest). */
const RESULTS_KEPT = 10;

export interface QueriesInspectorView {
  readonly view: InspectorView;
  /** Stops following the results topic. */
  stop(): Promise<void>;
}

/**
 * Serves the `queries` view of the `queries` table. The results topic is
 * followed from the view's first reading on (read to its end then), not
 * before: a node whose inspector nobody opens reads nothing for it.
 */
export async function queriesInspectorView(queries: TableView<QueryRecord>, reader: PartitionReader, resultsTopic: string, now: () => number): Promise<QueriesInspectorView> {
  const results = new Map<string, { published: number; newest: WindowResult[] }>();
  let following: Promise<TopicFollower> | null = null;
  const follow = (): Promise<TopicFollower> => reader.follow(resultsTopic, {
    onRecords: (records) => {
      for (const record of records) {
        if (record.value === null) continue;
        let result: WindowResult;
        try {
          result = decodeWindowResult(record.value);
        } catch {
          continue; // Not a result of this pipeline; the view shows what it can read.
        }
        const entry = results.get(result.queryId) ?? { published: 0, newest: [] };
        results.set(result.queryId, entry);
        entry.published++;
        entry.newest.push(result);
        if (entry.newest.length > RESULTS_KEPT) entry.newest.shift();
      }
    },
  });
  const startFollowing = async (): Promise<void> => {
    if (following === null) {
      following = follow();
      following.catch(() => (following = null));
    }
    await (await following).caughtUp;
  };
  const read = async (): Promise<ViewContent> => {
    await startFollowing();
    const at = now();
    // Results of queries no longer registered are forgotten.
    const registered = new Set(queries.snapshot().filter((change) => change.value !== null).map((change) => change.key));
    for (const id of results.keys()) if (!registered.has(id)) results.delete(id);
    const rows: ViewRow[] = queries.snapshot().flatMap((change) => {
      const record = change.value;
      if (record === null || record === undefined) return [];
      let error: string | null = null;
      try {
        parseQuery(record.nrql);
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      const seen = results.get(record.id);
      const newest = [...(seen?.newest ?? [])].reverse();
      return [{
        id: record.id,
        cells: {
          id: record.id,
          nrql: record.nrql,
          error,
          createdAt: record.createdAt,
          expiresAt: record.expiresAt,
          state: error !== null ? 'invalid' : record.expiresAt <= at ? 'expired' : 'active',
          published: seen?.published ?? 0,
        },
        detail: {
          columns: RESULT_COLUMNS,
          empty: 'no result published yet',
          rows: newest.map((r, i) => ({
            id: `${r.windowStart}/${(r.facet ?? []).join('|')}/${i}`,
            cells: { windowStart: r.windowStart, windowEnd: r.windowEnd, facet: r.facet, values: r.values, complete: r.complete ? 'complete' : 'incomplete' },
          })),
        },
      }];
    });
    rows.sort((a, b) => (a.id < b.id ? -1 : 1));
    return { title: 'Queries', summary: `${rows.length} registered; the newest ${RESULTS_KEPT} results of each, as the results topic holds them`, columns: QUERY_COLUMNS, rows, empty: 'No query registered (eventide query add).', now: at };
  };
  return { view: { name: 'queries', title: 'Queries', read }, stop: async () => void (await following?.then((follower) => follower.stop())) };
}
