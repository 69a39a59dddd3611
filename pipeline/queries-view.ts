/**
 * The query pipeline's own inspector view, `queries`: every registered
 * query with its NRQL, lifetime and state, and its newest results as the
 * results topic holds them. It is the pipeline's, not the runtime's: the
 * inspector serves it because the node that runs the pipeline adds it.
 */
import type { InspectorView, PartitionReader, QueriesView, QueryView, TableView, TopicFollower } from '../index.ts';
import type { QueryRecord } from '../protocols/query-record/index.ts';
import { decodeWindowResult, type WindowResult } from '../protocols/result/index.ts';
import { parseQuery } from '../protocols/nrql/index.ts';

/** Results kept per query (the newest). */
const RESULTS_KEPT = 10;

export interface QueriesInspectorView {
  readonly view: InspectorView;
  /** Stops following the results topic. */
  stop(): Promise<void>;
}

/** Follows `resultsTopic` and serves the `queries` view of the `queries` table. */
export async function queriesInspectorView(queries: TableView<QueryRecord>, reader: PartitionReader, resultsTopic: string, now: () => number): Promise<QueriesInspectorView> {
  const results = new Map<string, { published: number; newest: WindowResult[] }>();
  const follower: TopicFollower = await reader.follow(resultsTopic, {
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
  const read = (): QueriesView => {
    const at = now();
    const list: QueryView[] = queries.snapshot().flatMap((change) => {
      const record = change.value;
      if (record === null || record === undefined) return [];
      let error: string | null = null;
      try {
        parseQuery(record.nrql);
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      const seen = results.get(record.id);
      return [{
        id: record.id,
        nrql: record.nrql,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
        state: error !== null ? 'invalid' : record.expiresAt <= at ? 'expired' : 'active',
        error,
        results: [...(seen?.newest ?? [])].reverse().map((r) => ({ windowStart: r.windowStart, windowEnd: r.windowEnd, facet: r.facet, values: r.values, complete: r.complete })),
        published: seen?.published ?? 0,
      }];
    });
    list.sort((a, b) => (a.id < b.id ? -1 : 1));
    return { queries: list, now: at };
  };
  return { view: { name: 'queries', title: 'Queries', read }, stop: () => follower.stop() };
}
