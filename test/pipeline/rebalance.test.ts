/**
 * Hand-overs: a partition moves to another node because a node joined the
 * group (rebalance) or left it cleanly (SIGTERM: node.stop()). The old owner
 * writes a final snapshot, the new one restores from it, and the results are
 * exactly those of one node doing everything.
 */
import test from 'ava';
import { PipelineFixture, generateEvents, waitFor } from '../helpers/pipeline-fixture.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import type { PartitionHostStats } from '../../runtime/partition-host.ts';

const SPAN_MS = 4 * 60_000;
const EVENTS = generateEvents(600, SPAN_MS, 23).map((event) => ({ ...event, timestamp: event.timestamp - SPAN_MS }));
const EXPECTED = expectedResults(STANDARD_QUERIES, EVENTS);
const ROUNDS = 4;

const aggregateHosts = (partitions: readonly PartitionHostStats[]) => partitions.filter((host) => host.stage === 'aggregate' && host.state === 'running');

test('a second aggregate node takes partitions over from snapshots and the results stay exact', async (t) => {
  const fixture = new PipelineFixture({ snapshotEveryMs: 2000, snapshotEveryRecords: 4 });
  t.teardown(() => fixture.stop());
  await fixture.createTopics(3, 4);
  await fixture.addQueries(STANDARD_QUERIES);
  const first = await fixture.startNode(['parse', 'match', 'aggregate']);
  let second: Awaited<ReturnType<PipelineFixture['startNode']>> | undefined;

  await fixture.produceInRounds(EVENTS, ROUNDS, {
    betweenRounds: async (round) => {
      if (round !== 1) return;
      second = await fixture.startNode(['aggregate']);
      await waitFor(() => aggregateHosts(second!.node.partitions()).length > 0, () => 'the new node to run aggregate partitions');
    },
  });
  await fixture.publishAll(EXPECTED.size);

  const moved = aggregateHosts(second!.node.partitions());
  const kept = aggregateHosts(first.node.partitions());
  t.true(moved.length > 0 && kept.length > 0, `both nodes aggregate (${kept.length} + ${moved.length})`);
  t.is(moved.length + kept.length, 4, 'every aggregate partition has one owner');
  t.true(moved.some((host) => host.restore?.from === 'snapshot' && host.restore.offset > 0), `a moved partition restored from a snapshot: ${JSON.stringify(moved.map((host) => host.restore))}`);
  t.deepEqual(compareResults(await fixture.results(), EXPECTED), []);
  t.deepEqual(await fixture.deadLetters(), []);
  t.deepEqual(fixture.errors, []);
});

test('a node stopped like on SIGTERM writes a final snapshot and its successor resumes exactly there', async (t) => {
  // Snapshots only on stop: the interval and record count are out of reach.
  const fixture = new PipelineFixture({ snapshotEveryMs: 3_600_000, snapshotEveryRecords: 1_000_000 });
  t.teardown(() => fixture.stop());
  await fixture.createTopics(3, 4);
  await fixture.addQueries(STANDARD_QUERIES);
  const first = await fixture.startNode(['parse', 'match', 'aggregate']);
  const half = EVENTS.length / 2;
  await fixture.produceInRounds(EVENTS.slice(0, half), 2);
  await fixture.flushWrites();
  const reached = new Map(aggregateHosts(first.node.partitions()).map((host) => [host.partition, host.nextOffset]));
  t.is(reached.size, 4);
  t.true([...reached.values()].some((offset) => offset > 0));

  await first.node.stop();
  const successor = await fixture.startNode(['parse', 'match', 'aggregate']);
  await waitFor(() => aggregateHosts(successor.node.partitions()).length === 4, () => 'the successor to restore every aggregate partition');
  for (const host of aggregateHosts(successor.node.partitions())) {
    t.is(host.restore?.from, 'snapshot', `aggregate[${host.partition}] restored from the final snapshot`);
    t.is(host.restore?.offset, reached.get(host.partition), `aggregate[${host.partition}] resumes where the first node stopped`);
  }

  await fixture.produceInRounds(EVENTS.slice(half), 2);
  await fixture.publishAll(EXPECTED.size);
  t.deepEqual(compareResults(await fixture.results(), EXPECTED), []);
  t.deepEqual(await fixture.deadLetters(), []);
  t.deepEqual(fixture.errors, []);
});
