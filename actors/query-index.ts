/**
 * The match stage's registry of running queries, indexed by event type so an
 * event is tested only against the queries that select its type.
 */
import type { Event, AttributeValue } from '../protocols/event.ts';
import { attributeOf } from '../protocols/event.ts';
import { compileCondition, parseQuery, projectedAttributes } from '../protocols/nrql/index.ts';
import type { QueryRecord } from '../protocols/query-record/index.ts';

export interface IndexedQuery {
  readonly id: string;
  readonly expiresAt: number;
  readonly test: (event: Event) => boolean;
  readonly attributes: readonly string[];
}

export interface QueryIndex {
  readonly byEventType: ReadonlyMap<string, readonly IndexedQuery[]>;
  /** Queries whose NRQL does not parse, with the error (they match nothing). */
  readonly invalid: ReadonlyMap<string, string>;
}

export function buildQueryIndex(queries: Readonly<Record<string, QueryRecord>>): QueryIndex {
  const byEventType = new Map<string, IndexedQuery[]>();
  const invalid = new Map<string, string>();
  for (const id of Object.keys(queries).sort()) {
    const record = queries[id]!;
    try {
      const definition = parseQuery(record.nrql);
      const indexed: IndexedQuery = { id, expiresAt: record.expiresAt, test: compileCondition(definition.where), attributes: projectedAttributes(definition) };
      for (const eventType of definition.from) {
        let list = byEventType.get(eventType);
        if (list === undefined) byEventType.set(eventType, (list = []));
        list.push(indexed);
      }
    } catch (error) {
      invalid.set(id, error instanceof Error ? error.message : String(error));
    }
  }
  return { byEventType, invalid };
}

/** The attributes a query reads, taken from an event (missing ones are left out). */
export function project(event: Event, attributes: readonly string[]): Record<string, AttributeValue> {
  const projected: Record<string, AttributeValue> = {};
  for (const name of attributes) {
    const value = attributeOf(event, name);
    if (value !== undefined) projected[name] = value;
  }
  return projected;
}
