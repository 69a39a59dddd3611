import test from 'ava';
import type { PublishedNotice, StageEmission } from '../../../protocols/stage.ts';
import { decodeDeadLetter } from '../../../protocols/dead-letter/index.ts';
import { decodePublishMarker, type PublishMarker } from '../../../protocols/snapshot/index.ts';
import { ManualClock } from '../../../runtime/clock.ts';
import type { WriteJob } from '../../../runtime/partition-writer.ts';
import { EmissionRouter } from '../../../runtime/partition/emission-router.ts';
import { OutputAddresser } from '../../../runtime/partition/output-addresser.ts';
import { PublicationLedger } from '../../../runtime/partition/publication-ledger.ts';

const marker = (key: string, nextOffset: number): PublishMarker => ({ stage: 's', partition: 0, key, nextOffset, publishedAt: 0 });

function router(options: { stateful: boolean; before?: PublishMarker[]; after?: PublishMarker[]; maxRecordBytesOf?: (topic: string) => number }) {
  const jobs: WriteJob[] = [];
  const acknowledged: PublishedNotice[] = [];
  const deadLetters: string[] = [];
  const duplicates: string[] = [];
  const markers = [...(options.before ?? []), ...(options.after ?? [])];
  const ledger = new PublicationLedger({ markersAfter: options.after ?? [], markersByKey: new Map(markers.map((m) => [m.key, m])) });
  const addresser = new OutputAddresser({
    stage: 's', partition: 0, inputTopic: 'in', deadLetterTopic: 'dlq', snapshotsTopic: 'snaps',
    partitionsOf: (topic) => (topic === 'snaps' ? undefined : 1), clock: new ManualClock(),
    ...(options.maxRecordBytesOf === undefined ? {} : { maxRecordBytesOf: options.maxRecordBytesOf }),
  });
  const emissions = new EmissionRouter({
    ledger, addresser, stateful: options.stateful,
    writer: { enqueue: (job) => jobs.push(job) },
    acknowledge: (notice) => acknowledged.push(notice),
    reports: { deadLetter: (reason) => deadLetters.push(reason), duplicate: (key) => duplicates.push(key) },
  });
  const emit = (...list: StageEmission[]): void => list.forEach(emissions.collect);
  /** Topic (and marker key) of each record of a job, in order. */
  const shape = (job: WriteJob): string[] =>
    job.records.map((r) => {
      if (r.topic === 'snaps') return `marker ${decodePublishMarker(r.value!).key}@${decodePublishMarker(r.value!).nextOffset}`;
      if (r.topic === 'dlq') return `dlq:${decodeDeadLetter(r.value!).reason}`;
      return `${r.topic}:${String(r.value)}`;
    });
  return { emissions, emit, jobs, acknowledged, deadLetters, duplicates, shape, ledger };
}

const output = (value: string): StageEmission => ({ type: 'eventide.output', records: [{ topic: 'out', key: 'k', value }] });
const publish = (key: string, value = key): StageEmission => ({ type: 'eventide.publish', key, records: [{ topic: 'results', key: 'k', value }] });
const deadLetter = (reason: string): StageEmission => ({ type: 'eventide.deadletter', letters: [{ reason, message: reason, offset: 3, original: null }] });

test('stateless: a batch’s outputs and dead letters are written with its input offset, even when it emitted nothing', (t) => {
  const { emissions, emit, jobs, shape, deadLetters } = router({ stateful: false });
  emit(output('a'), deadLetter('malformed-json'));
  t.true(emissions.route({ batchEnd: 10 }, 10));
  t.false(emissions.route({ batchEnd: 20 }, 20), 'nothing emitted');
  t.deepEqual(jobs.map(shape), [['out:a', 'dlq:malformed-json'], []]);
  t.deepEqual(jobs.map((job) => job.commitOffset), [10, 20]);
  t.deepEqual(deadLetters, ['malformed-json']);
});

test('stateful: plain outputs wait in the outbox for the next publication, which carries its marker last', (t) => {
  const { emissions, emit, jobs, shape, acknowledged } = router({ stateful: true });
  emit(output('a'));
  emissions.route({ batchEnd: 10 }, 10);
  t.deepEqual(jobs, [], 'no transaction for plain outputs alone');
  t.is(emissions.outboxSize, 1);
  emit(output('b'), publish('w1'));
  emissions.route({ batchEnd: 20 }, 20);
  t.deepEqual(jobs.map(shape), [['out:a', 'out:b', 'results:w1', 'marker w1@20']]);
  t.is(jobs[0]!.commitOffset, undefined, 'a stateful stage commits its input offset with snapshots only');
  t.deepEqual(acknowledged, []);
  jobs[0]!.onCommitted!();
  t.deepEqual(acknowledged, [{ key: 'w1', nextOffset: 20 }]);
  t.is(emissions.outboxSize, 0);
});

test('a snapshot takes the outbox in front of itself', (t) => {
  const { emissions, emit } = router({ stateful: true });
  emit(output('a'), deadLetter('late'));
  emissions.route({}, 5);
  t.is(emissions.takeOutbox().length, 2);
  t.is(emissions.outboxSize, 0);
});

test('replayed input writes no plain outputs nor dead letters again, but its publications are still decided by the ledger', (t) => {
  const { emissions, emit, jobs, shape, deadLetters, acknowledged } = router({ stateful: true, after: [marker('w-done', 50)] });
  emit(output('again'), deadLetter('late'), publish('w-done'), publish('w-new'));
  emissions.route({ batchEnd: 30, replayed: true }, 30);
  t.deepEqual(acknowledged, [{ key: 'w-done', nextOffset: 50 }], 'durable: acknowledged at once');
  t.deepEqual(jobs.map(shape), [['results:w-new', 'marker w-new@30']]);
  t.deepEqual(deadLetters, []);
});

test('a durable publication is acknowledged, never written; a duplicate is reported, never written', (t) => {
  const { emissions, emit, jobs, shape, duplicates, acknowledged } = router({ stateful: true });
  emit(publish('w1'));
  emissions.route({}, 10);
  emit(publish('w1', 'second copy'));
  emissions.route({}, 11);
  t.deepEqual(duplicates, ['w1']);
  jobs[0]!.onCommitted!();
  emit(publish('w1', 'third copy'));
  emissions.route({}, 12);
  t.deepEqual(jobs.map(shape), [['results:w1', 'marker w1@10']]);
  t.deepEqual(acknowledged, [{ key: 'w1', nextOffset: 10 }, { key: 'w1', nextOffset: 10 }]);
});

test('while the actor handles eventide.restored, a marker from before the snapshot answers its request', (t) => {
  const { emissions, emit, jobs, acknowledged } = router({ stateful: true, before: [marker('w-pending', 40)] });
  emit(publish('w-pending'));
  emissions.route({ restoring: true }, 45);
  t.deepEqual(acknowledged, [{ key: 'w-pending', nextOffset: 40 }]);
  t.deepEqual(jobs, []);
});

test('several publications of one message share one transaction and are acknowledged together', (t) => {
  const { emissions, emit, jobs, shape, acknowledged } = router({ stateful: true });
  emit(publish('w1'), publish('w2'));
  emissions.route({}, 7);
  t.deepEqual(jobs.map(shape), [['results:w1', 'marker w1@7', 'results:w2', 'marker w2@7']]);
  jobs[0]!.onCommitted!();
  t.deepEqual(acknowledged.map((n) => n.key), ['w1', 'w2']);
});

test('a stateless stage writes publications without markers; flush writes what the outbox holds', (t) => {
  const { emissions, emit, jobs, shape } = router({ stateful: false });
  emit(publish('p1'));
  emissions.route({ batchEnd: 3 }, 3);
  t.deepEqual(jobs.map(shape), [['results:p1']]);
  emissions.flush();
  t.is(jobs.length, 1, 'nothing waits: nothing more to write');
});

test('an output or a publication larger than its topic takes is dead-lettered too-large, and the publication still marked', (t) => {
  const { emissions, emit, jobs, deadLetters, acknowledged } = router({ stateful: true, maxRecordBytesOf: (topic) => (topic === 'dlq' ? 1_000_000 : 2000) });
  emit(output('small'), output('x'.repeat(3000)), publish('w1', 'y'.repeat(3000)));
  emissions.route({ batchEnd: 10 }, 10);
  t.is(jobs.length, 1);
  const records = jobs[0]!.records;
  t.deepEqual(records.map((r) => r.topic), ['out', 'dlq', 'dlq', 'snaps'], 'the small output, two dead letters in place of what did not fit, the marker');
  const letters = records.filter((r) => r.topic === 'dlq').map((r) => decodeDeadLetter(r.value!));
  for (const letter of letters) {
    t.is(letter.reason, 'too-large');
    t.is(letter.source.offset, 9, 'the input handled last is named');
    t.regex(letter.message, /^a record for '(out|results)' \(key "k"\), written while handling input up to offset 9, is 3513 bytes, more than the topic takes \(max\.message\.bytes 2000\)$/);
  }
  t.deepEqual(deadLetters, ['too-large', 'too-large']);
  jobs[0]!.onCommitted?.();
  t.deepEqual(acknowledged.map((notice) => notice.key), ['w1'], 'the publication is done: never asked for again');
});
