/**
 * Where a wrong or duplicated result comes from, read from the logs: which
 * topic first holds the same input twice. Reads events.raw (every planned
 * record once?) and events.matched (every raw event matched once per
 * query?) with read_committed, as the aggregate stage reads them. Used when
 * a run finds something, so a report can say whether the duplicate is in a
 * log or only in what a node made of it.
 */
import { createHash } from 'node:crypto';
import type { Transport } from '../../protocols/transport.ts';
import { decodeMatchedEventBatch } from '../../protocols/matched-events/index.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import { readTopic } from '../../test/helpers/pipeline-fixture.ts';
import type { ChaosPlan } from './plan.ts';

const digest = (value: Buffer) => createHash('sha1').update(value).digest('hex');

/** Planned raw records found on events.raw other than once, each as a line. */
export async function rawRecordsNotOnce(transport: Transport, plan: ChaosPlan): Promise<string[]> {
  const planned = new Map<string, { wanted: number; found: number[] }>();
  const records = [...plan.chunks.flat(), ...plan.trailing, ...[...plan.probes.values()].flatMap((probe) => probe.records)];
  for (const record of records) {
    const key = `${record.partition}/${digest(record.value)}`;
    const entry = planned.get(key) ?? { wanted: 0, found: [] };
    entry.wanted++;
    planned.set(key, entry);
  }
  for (const record of await readTopic(transport, TOPICS.raw)) {
    const entry = planned.get(`${record.partition}/${digest(record.value ?? Buffer.alloc(0))}`);
    entry?.found.push(record.offset);
  }
  const problems: string[] = [];
  for (const [key, entry] of planned) {
    if (entry.found.length !== entry.wanted) problems.push(`events.raw[${key.split('/')[0]}]: a planned record ${entry.wanted} time(s) in the plan is there ${entry.found.length} time(s), at offsets ${entry.found.join(', ') || 'none'}`);
  }
  return problems;
}

/**
 * Raw events matched more than once for one query on events.matched
 * (read_committed): the same (query, source partition, source offset, index
 * in the batch) in two matched records, with the matched offsets.
 */
export async function matchedEventsTwice(transport: Transport): Promise<{ total: number; examples: string[] }> {
  const seen = new Map<string, string[]>();
  for (const record of await readTopic(transport, TOPICS.matched)) {
    if (record.value === null) continue;
    let batch;
    try {
      batch = decodeMatchedEventBatch(record.value);
    } catch {
      continue;
    }
    for (const event of batch.events) {
      const key = `${batch.queryId} raw[${batch.source.partition}]@${event.offset}#${event.index}`;
      seen.set(key, [...(seen.get(key) ?? []), `matched[${record.partition}]@${record.offset}`]);
    }
  }
  const twice = [...seen].filter(([, places]) => places.length > 1);
  return { total: twice.length, examples: twice.slice(0, 10).map(([key, places]) => `${key} in ${places.join(' and ')}`) };
}
