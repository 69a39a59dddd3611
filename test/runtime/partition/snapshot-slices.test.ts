import test from 'ava';
import type { ProducedRecord } from '../../../protocols/transport.ts';
import { encodeSnapshot, hostedState, type SnapshotMeta } from '../../../protocols/snapshot/index.ts';
import { ManualClock } from '../../../runtime/clock.ts';
import { SnapshotPolicy } from '../../../runtime/partition/snapshot-policy.ts';
import { encodeInSlices } from '../../../runtime/partition/snapshot-slices.ts';

const CHUNK = 64 * 1024;

function policy() {
  const clock = new ManualClock(1_700_000_000_000);
  return new SnapshotPolicy({
    stage: 'agg', partition: 2, nodeId: 'node-a', generation: 4, clock, restoredSeq: 0,
    settings: { topic: 'agg.snapshots', maxChunkBytes: CHUNK },
    toRecord: (record): ProducedRecord => ({ topic: 'agg.snapshots', partition: 2, key: record.key, value: record.value, headers: record.headers }),
  });
}

/** A state shaped like an aggregate partition's: many windows of facet groups, keys in no particular order. */
function largeState(windows: number) {
  const children: Record<string, unknown> = {};
  for (let w = 0; w < windows; w++) {
    const groups: Record<string, unknown> = {};
    for (let g = 0; g < 10; g++) groups[`["c${g}"]`] = { values: [`c${g}`], states: [{ kind: 'count', count: w + g }, { kind: 'sum', sum: w * g }], events: w + g };
    children[`w:${1_700_000_000_000 + w * 1000}`] = { src: 'window', snapshot: { value: 'open', context: { start: w * 1000, groups: { groups, other: null }, events: w } } };
  }
  return { status: 'active', value: 'running', context: { partition: 2, nextOffset: 99 }, children };
}

const metaOf = (records: readonly ProducedRecord[]): SnapshotMeta => JSON.parse(records.at(-1)!.value!.toString('utf8')) as SnapshotMeta;

test('a state too large for one slice is encoded over several turns of the event loop, to the bytes encodeSnapshot gives it', async (t) => {
  const state = largeState(20_000);
  const pending = policy().pendingSnapshot(state, 99, [], 'interval');
  let turns = 0;
  const counting = setInterval(() => turns++, 0);
  const job = encodeInSlices(pending, { sliceMs: 2 });
  t.true(job instanceof Promise, 'not encoded within the first slice');
  const written = (await job)!;
  clearInterval(counting);
  t.true(turns > 0, 'timers ran while the snapshot was encoded');
  const meta = metaOf(written.records);
  const expected = encodeSnapshot({ stage: 'agg', partition: 2, seq: meta.seq, nextOffset: 99, nodeId: 'node-a', generation: 4, takenAt: meta.takenAt }, hostedState(state), CHUNK);
  t.is(written.records.length, expected.length);
  t.true(expected.length > 10, 'many chunks');
  written.records.forEach((record, i) => {
    t.true(record.value!.equals(expected[i]!.value), `record ${i} has the same bytes`);
    t.deepEqual(record.headers, expected[i]!.headers);
  });
  t.is(written.commitOffset, 99);
});

test('a small state is encoded at once, without a promise', (t) => {
  const job = encodeInSlices(policy().pendingSnapshot({ value: 'running', context: { n: 1 } }, 5, [], 'records'));
  t.false(job instanceof Promise);
  t.is((job as { commitOffset: number }).commitOffset, 5);
});

test('a partition that stops while its snapshot is encoded writes none of it', async (t) => {
  let stopped = false;
  const job = encodeInSlices(policy().pendingSnapshot(largeState(20_000), 99, [], 'revocation'), { sliceMs: 1, stopped: () => stopped });
  t.true(job instanceof Promise);
  stopped = true;
  t.is(await job, null);
});
