import test from 'ava';
import type { ProducedRecord } from '../../../protocols/transport.ts';
import { SnapshotHeaders, SnapshotLogReader, decodeHostedState, decodeSnapshotCommit } from '../../../protocols/snapshot/index.ts';
import { ManualClock } from '../../../runtime/clock.ts';
import { SnapshotPolicy, type SnapshotWrite } from '../../../runtime/partition/snapshot-policy.ts';
import type { StageSnapshotPolicy } from '../../../runtime/stage.ts';

function policy(settings: Partial<StageSnapshotPolicy> = {}, restoredSeq = 0) {
  const clock = new ManualClock(1_700_000_000_000);
  const written: { write: SnapshotWrite; durationMs: number }[] = [];
  const snapshots = new SnapshotPolicy({
    stage: 'agg', partition: 3, nodeId: 'node-a', generation: 7, clock, restoredSeq,
    settings: { topic: 'agg.snapshots', ...settings },
    toRecord: (record): ProducedRecord => ({ topic: 'agg.snapshots', partition: 3, key: record.key, value: record.value, headers: record.headers }),
    onWritten: (write, durationMs) => written.push({ write, durationMs }),
  });
  return { snapshots, clock, written };
}

const machine = { status: 'active', value: 'running', context: { windows: { 'q1/0': { count: 3 } } } };

test('the interval calls for a snapshot every everyMs until stopped', async (t) => {
  const { snapshots, clock } = policy({ everyMs: 1000 });
  const due: string[] = [];
  snapshots.startInterval((reason) => due.push(reason));
  await clock.advance(3000);
  t.deepEqual(due, ['interval', 'interval', 'interval']);
  snapshots.stop();
  await clock.advance(5000);
  t.is(due.length, 3);
});

test('the interval defaults to 5 s', async (t) => {
  const { snapshots, clock } = policy();
  let due = 0;
  snapshots.startInterval(() => due++);
  await clock.advance(4999);
  t.is(due, 0);
  await clock.advance(1);
  t.is(due, 1);
});

test('a snapshot is due after everyRecords input records, counted from the last one', (t) => {
  const { snapshots } = policy({ everyRecords: 100 });
  t.false(snapshots.recordsHandled(60));
  t.true(snapshots.recordsHandled(40));
  snapshots.snapshotJob(machine, 100, [], 'records');
  t.false(snapshots.recordsHandled(99), 'the count starts again after a snapshot');
  t.true(snapshots.recordsHandled(1));
});

test('the state is dirty after records or a change, and clean after a snapshot', (t) => {
  const { snapshots } = policy();
  t.false(snapshots.dirty, 'a restored partition has nothing new to persist');
  snapshots.changed();
  t.true(snapshots.dirty);
  snapshots.snapshotJob(machine, 0, [], 'interval');
  t.false(snapshots.dirty);
  snapshots.recordsHandled(1);
  t.true(snapshots.dirty);
});

test('the job holds the outputs first, then the chunks and the commit, and commits the input offset it covers', (t) => {
  const { snapshots, clock } = policy({ maxChunkBytes: 20 }, 41);
  const output: ProducedRecord = { topic: 'results', partition: 0, value: Buffer.from('late letter') };
  snapshots.changed();
  const job = snapshots.snapshotJob(machine, 1234, [output], 'revocation');
  t.is(job.commitOffset, 1234);
  t.is(job.records[0], output);
  const log = job.records.slice(1);
  t.true(log.length > 2, 'a state above maxChunkBytes is chunked');
  t.true(log.slice(0, -1).every((record) => record.headers?.[SnapshotHeaders.kind] === 'chunk' && record.value!.length <= 20));
  const commit = decodeSnapshotCommit(log[log.length - 1]!.value!);
  t.like(commit, { stage: 'agg', partition: 3, seq: 42, nextOffset: 1234, nodeId: 'node-a', generation: 7, takenAt: clock.now() });
  const reader = new SnapshotLogReader({ stage: 'agg' });
  log.forEach((record, offset) => reader.add({ offset, key: record.key ?? null, value: record.value, headers: record.headers ?? {} }));
  t.deepEqual(decodeHostedState(reader.latest()!.state), { machine }, 'the payload is the machine in its hosted-state wrapper');
});

test('sequence numbers go on from the restored snapshot, and each committed snapshot is counted and told', async (t) => {
  const { snapshots, clock, written } = policy({}, 9);
  snapshots.changed();
  const first = snapshots.snapshotJob(machine, 10, [], 'interval');
  snapshots.changed();
  const second = snapshots.snapshotJob(machine, 20, [], 'records');
  t.is(snapshots.written, 0, 'nothing counts before its transaction commits');
  t.is(snapshots.lastWrittenAt, null);
  await clock.advance(250);
  first.onCommitted!();
  second.onCommitted!();
  t.is(snapshots.written, 2);
  t.is(snapshots.lastWrittenAt, 1_700_000_000_000);
  t.deepEqual(written.map(({ write, durationMs }) => [write.meta.seq, write.reason, durationMs]), [[10, 'interval', 250], [11, 'records', 250]]);
  t.true(written[0]!.write.bytes > 0);
});
