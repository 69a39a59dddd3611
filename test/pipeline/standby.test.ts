/**
 * Standby replicas (`standbys: 1`): each aggregate node follows the
 * snapshots partitions of the partitions the other owns. When one dies, the
 * survivor takes its partitions over from its warm copies: the hand-over is
 * counted `standby`, the restore reads only the tail of the snapshots
 * partition the standby had not read, and the results stay exact.
 */
import test from 'ava';
import { PipelineFixture, generateEvents, waitFor } from '../helpers/pipeline-fixture.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import type { EventideNode } from '../../runtime/node.ts';

const SPAN_MS = 4 * 60_000;
const EVENTS = generateEvents(600, SPAN_MS, 29).map((event) => ({ ...event, timestamp: event.timestamp - SPAN_MS }));
const EXPECTED = expectedResults(STANDARD_QUERIES, EVENTS);

const ownedAggregates = (node: EventideNode): number[] =>
  node.partitions().filter((host) => host.stage === 'aggregate').map((host) => host.partition).sort((a, b) => a - b);
const followed = (node: EventideNode): number[] => node.standbys().map((standby) => standby.partition);

test('a node that dies is taken over from the standby replicas of the survivor: hand-overs from standby, snapshots read from where the standby stopped, exact results', async (t) => {
  const fixture = new PipelineFixture({ snapshotEveryMs: 2000, snapshotEveryRecords: 4 });
  t.teardown(() => fixture.stop());
  await fixture.createTopics(3, 4);
  await fixture.addQueries(STANDARD_QUERIES);
  await fixture.startNode(['parse', 'match']);
  const survivor = await fixture.startNode(['aggregate'], {}, { standbys: 1 });
  const victim = await fixture.startNode(['aggregate'], {}, { standbys: 1 });
  await waitFor(() => ownedAggregates(survivor.node).length === 2 && ownedAggregates(victim.node).length === 2, () => 'two aggregate partitions each');

  let victimOwned: number[] = [];
  await fixture.produceInRounds(EVENTS, 4, {
    betweenRounds: async (round) => {
      if (round !== 2) return;
      victimOwned = ownedAggregates(victim.node);
      t.deepEqual(followed(survivor.node), victimOwned, 'the survivor follows what the victim owns');
      t.deepEqual(followed(victim.node), ownedAggregates(survivor.node), 'and the victim what the survivor owns');
      const { end } = await snapshotLogEnds(fixture, victimOwned);
      await waitFor(
        () => survivor.node.standbys().every((standby) => standby.position >= end.get(standby.partition)!),
        () => `the standbys to read their snapshots partitions to the end: ${JSON.stringify(survivor.node.standbys())}`,
        10_000,
      );
      t.true(survivor.node.standbys().every((standby) => standby.lag === 0 && standby.snapshotTakenAt !== null), 'caught up, each holding a snapshot');
      fixture.crash(victim);
      await waitFor(() => ownedAggregates(survivor.node).length === 4, () => 'the survivor to own every aggregate partition');
    },
  });
  await fixture.publishAll(EXPECTED.size);

  const takenOver = survivor.node.partitions().filter((host) => host.stage === 'aggregate' && victimOwned.includes(host.partition));
  const { end } = await snapshotLogEnds(fixture, victimOwned);
  for (const host of takenOver) {
    const report = host.restore!;
    t.log(`aggregate[${host.partition}]: ${report.handOver}, read ${report.snapshotRecordsRead} of ${end.get(host.partition)} snapshot records`);
    t.is(report.handOver, 'standby', `aggregate[${host.partition}]: ${JSON.stringify(report)}`);
    t.true(report.warm);
    t.true(report.snapshotRecordsRead < end.get(host.partition)!, `aggregate[${host.partition}] read ${report.snapshotRecordsRead} of the ${end.get(host.partition)} snapshot records`);
  }
  t.deepEqual(followed(survivor.node), [], 'alone, the survivor follows nothing');
  t.deepEqual(compareResults(await fixture.results(), EXPECTED), []);
  t.deepEqual(await fixture.deadLetters(), []);
});

async function snapshotLogEnds(fixture: PipelineFixture, partitions: readonly number[]): Promise<{ end: Map<number, number> }> {
  const ends = await fixture.admin.reader().endOffsets(TOPICS.snapshots, 'read_committed');
  return { end: new Map(partitions.map((partition) => [partition, ends.get(partition) ?? 0])) };
}
