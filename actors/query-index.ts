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
  /** The queries that select each event type, in the order they joined the index (changelog order). */
  readonly byEventType: ReadonlyMap<string, readonly IndexedQuery[]>;
  /** Queries whose NRQL does not parse, with the error (they match nothing). */
  readonly invalid: ReadonlyMap<string, string>;
  /** Every query of the index with its compilation: what `updateQueryIndex` changes. */
  readonly members: ReadonlyMap<string, Compiled>;
}

/** A query record compiled: what the index keeps of it, or why its NRQL does not parse. */
export type Compiled = { readonly indexed: IndexedQuery; readonly from: readonly string[] } | { readonly error: string };

/**
 * Compilations by record. The queries table hands on the same record object
 * until the query changes, so an index rebuilt for one added query parses
 * only that one (it parsed all of them again: 669 ms for 100,000 queries).
 */
const COMPILED = new WeakMap<QueryRecord, Compiled>();

/**
 * Compiles a query record for the index (once per record object). The
 * queries table calls it as it decodes, in the slices it reads the changelog
 * in, so no index built later parses 100,000 queries in one go.
 */
export function compileQueryRecord(id: string, record: QueryRecord): Compiled {
  let compiled = COMPILED.get(record);
  if (compiled !== undefined && (!('indexed' in compiled) || compiled.indexed.id === id)) return compiled;
  try {
    const definition = parseQuery(record.nrql);
    compiled = { indexed: { id, expiresAt: record.expiresAt, test: compileCondition(definition.where), attributes: projectedAttributes(definition) }, from: definition.from };
  } catch (error) {
    compiled = { error: error instanceof Error ? error.message : String(error) };
  }
  COMPILED.set(record, compiled);
  return compiled;
}

/** A change of the queries table: a record, or null for a query cancelled. */
export interface QueryChange {
  readonly key: string;
  readonly value: QueryRecord | null;
}

/** The index of no query. */
export const emptyQueryIndex = (): QueryIndex => ({ byEventType: new Map(), invalid: new Map(), members: new Map() });

/**
 * The index after these changes (all of the table's queries when `reset`).
 * Only the changed queries are compiled (once per record, see
 * `compileQueryRecord`); the lists of the event types they touch are made
 * again in one walk of the members (about a millisecond for 100,000), with
 * no sort and no copy of the table, so a table of 100,000 queries can
 * arrive as many messages that each take little time. The index given is
 * superseded: its members and invalid maps are taken over, its lists are not
 * changed (a matcher holding them still sees what it had).
 */
export function updateQueryIndex(index: QueryIndex, changes: readonly QueryChange[], reset: boolean): QueryIndex {
  if (reset) return indexOfTable(changes) ?? applyChanges(emptyQueryIndex(), changes, true);
  return applyChanges(index, changes, false);
}

/**
 * A whole table in one pass (what a partition's start message holds: each
 * key once); undefined when a key comes twice, which `applyChanges` handles.
 */
function indexOfTable(changes: readonly QueryChange[]): QueryIndex | undefined {
  const members = new Map<string, Compiled>();
  const invalid = new Map<string, string>();
  const byEventType = new Map<string, IndexedQuery[]>();
  for (const { key, value } of changes) {
    if (value === null) continue;
    if (members.has(key)) return undefined;
    const compiled = compileQueryRecord(key, value);
    members.set(key, compiled);
    if ('error' in compiled) {
      invalid.set(key, compiled.error);
      continue;
    }
    for (const eventType of compiled.from) {
      let list = byEventType.get(eventType);
      if (list === undefined) byEventType.set(eventType, (list = []));
      list.push(compiled.indexed);
    }
  }
  return { byEventType, invalid, members };
}

function applyChanges(index: QueryIndex, changes: readonly QueryChange[], reset: boolean): QueryIndex {
  const members = reset ? new Map<string, Compiled>() : (index.members as Map<string, Compiled>);
  const invalid = reset ? new Map<string, string>() : (index.invalid as Map<string, string>);
  const touched = new Set<string>();
  const touch = (compiled: Compiled | undefined): void => {
    if (compiled !== undefined && 'from' in compiled) for (const eventType of compiled.from) touched.add(eventType);
  };
  for (const { key, value } of changes) {
    if (!reset) touch(members.get(key));
    invalid.delete(key);
    if (value === null) {
      members.delete(key);
      continue;
    }
    const compiled = compileQueryRecord(key, value);
    members.set(key, compiled);
    if ('error' in compiled) invalid.set(key, compiled.error);
    else touch(compiled);
  }
  const byEventType = reset ? new Map<string, IndexedQuery[]>() : new Map(index.byEventType as Map<string, IndexedQuery[]>);
  if (touched.size > 0) {
    const lists = new Map<string, IndexedQuery[]>([...touched].map((eventType) => [eventType, []]));
    // One pass over the members keeps every list in the members' order (the order queries joined).
    for (const compiled of members.values()) {
      if (!('from' in compiled)) continue;
      for (const eventType of compiled.from) lists.get(eventType)?.push(compiled.indexed);
    }
    for (const [eventType, list] of lists) {
      if (list.length === 0) byEventType.delete(eventType);
      else byEventType.set(eventType, list);
    }
  }
  return { byEventType, invalid, members };
}

/** The index of these queries, in the order of their keys. */
export function buildQueryIndex(queries: Readonly<Record<string, QueryRecord>>): QueryIndex {
  return updateQueryIndex(emptyQueryIndex(), Object.keys(queries).map((key) => ({ key, value: queries[key]! })), true);
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
