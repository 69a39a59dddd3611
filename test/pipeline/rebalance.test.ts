/**
 * Hand-overs: a partition moves to another node because a node joined the
 * group (rebalance), left it cleanly (SIGTERM: node.stop()) or was expelled
 * (its session expired). On a clean hand-over the old owner writes a final
 * snapshot and the new one restores from it; on a lost one nothing more is
 * written and the new owner replays from the newest snapshot. Either way the
 * results are exactly those of one node doing everything.
 *
 * Every scenario runs in both hand-over modes of the memory log: in `eager`,
 * as on Kafka, the new owner takes the partition without waiting, so the old
 * owner's final snapshot is fenced.
 */
import test, { type ExecutionContext } from 'ava';
import { HAND_OVERS, PipelineFixture, generateEvents, waitFor } from '../helpers/pipeline-fixture.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import type { PartitionHostStats } from '../../runtime/partition-host.ts';

const SPAN_MS = 4 * 60_000;
const EVENTS = generateEvents(600, SPAN_MS, 23).map((event) => ({ ...event, timestamp: event.timestamp - SPAN_MS }));
const EXPECTED = expectedResults(STANDARD_QUERIES, EVENTS);
const ROUNDS = 4;

/** What the hand-overs did, in words: how many partitions were revoked, lost, and fenced while writing their final snapshot. */
const handOverSummary = (fixture: PipelineFixture): string =>
  `${fixture.loggedCount(/^revoked /)} revoked, ${fixture.loggedCount(/^lost /)} lost, ${fixture.loggedCount(/^fenced while writing the final snapshot/)} final snapshots fenced, ${fixture.loggedCount(/^fenced by a newer owner/)} partitions fenced while running`;

/** Every window published once with the expected counts, no dead letter, no error; logs how partitions changed owner. */
async function assertExact(t: ExecutionContext, fixture: PipelineFixture): Promise<void> {
  t.deepEqual(compareResults(await fixture.results(), EXPECTED), []);
  t.deepEqual(await fixture.deadLetters(), []);
  t.deepEqual(fixture.errors, []);
  t.log(handOverSummary(fixture));
}

const aggregateHosts = (partitions: readonly PartitionHostStats[]) => partitions.filter((host) => host.stage === 'aggregate' && host.state === 'running');

for (const handOver of HAND_OVERS) {
  test(`${handOver}: a second aggregate node takes partitions over from snapshots and the results stay exact`, async (t) => {
    const fixture = new PipelineFixture({ snapshotEveryMs: 2000, snapshotEveryRecords: 4 }, { handOver });
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
    await assertExact(t, fixture);
  });

  test(`${handOver}: a node joining while the first holds unsnapshotted work: the final snapshot is ${handOver === 'eager' ? 'fenced and the new owner replays' : 'written and the new owner resumes from it'}, the results stay exact`, async (t) => {
    // Snapshots only on revocation or stop, so the final snapshot is the only one: whether it was fenced shows in where the new owner restores from.
    const fixture = new PipelineFixture({ snapshotEveryMs: 3_600_000, snapshotEveryRecords: 1_000_000 }, { handOver });
    t.teardown(() => fixture.stop());
    await fixture.createTopics(3, 4);
    await fixture.addQueries(STANDARD_QUERIES);
    const first = await fixture.startNode(['parse', 'match', 'aggregate']);
    const half = EVENTS.length / 2;
    await fixture.produceInRounds(EVENTS.slice(0, half), 2);
    await fixture.flushWrites();

    const second = await fixture.startNode(['aggregate']);
    await waitFor(() => aggregateHosts(second.node.partitions()).length === 2, () => 'the new node to run two aggregate partitions');
    const moved = aggregateHosts(second.node.partitions());
    const fenced = fixture.loggedCount(/^fenced while writing the final snapshot/);
    if (handOver === 'eager') {
      t.is(fenced, moved.length, 'the new owner fenced every final snapshot of the old one');
      t.true(moved.every((host) => host.restore?.from !== 'snapshot'), `no final snapshot to restore: ${JSON.stringify(moved.map((host) => host.restore))}`);
    } else {
      t.is(fenced, 0, 'the old owner wrote its final snapshots before the partitions moved');
      t.true(moved.every((host) => host.restore?.from === 'snapshot'), `restored from the final snapshots: ${JSON.stringify(moved.map((host) => host.restore))}`);
    }
    t.is(aggregateHosts(first.node.partitions()).length, 2, 'the first node keeps two aggregate partitions');

    await fixture.produceInRounds(EVENTS.slice(half), 2);
    await fixture.publishAll(EXPECTED.size);
    await assertExact(t, fixture);
  });

  test(`${handOver}: an aggregate node expelled from its group abandons its partitions without a final snapshot, rejoins, and the results stay exact`, async (t) => {
    const fixture = new PipelineFixture({ snapshotEveryMs: 2000, snapshotEveryRecords: 4 }, { handOver });
    t.teardown(() => fixture.stop());
    await fixture.createTopics(3, 4);
    await fixture.addQueries(STANDARD_QUERIES);
    await fixture.startNode(['parse', 'match', 'aggregate']);
    const expelled = await fixture.startNode(['aggregate']);
    let lostBefore = 0;
    await fixture.produceInRounds(EVENTS, ROUNDS, {
      beforeRound: async (round) => {
        if (round !== 2) return;
        const group = fixture.log.group('test.aggregate');
        const member = group.describe().members.find((m) => m.metadata.nodeId === expelled.node.nodeId);
        t.truthy(member, 'the second node is a member of the aggregate group');
        lostBefore = member!.assignment.length;
        t.true(group.expel(member!.memberId));
        await waitFor(() => aggregateHosts(expelled.node.partitions()).length > 0 && fixture.loggedCount(/^lost aggregate/) > 0, () => 'the expelled node to rejoin and run aggregate partitions again');
      },
    });
    await fixture.publishAll(EXPECTED.size);

    t.true(lostBefore > 0, 'the expelled node owned aggregate partitions');
    t.is(fixture.loggedCount(/^lost aggregate\[/), lostBefore, 'every partition it owned was lost');
    t.false(fixture.logged.some((line) => line.fields.node === expelled.node.nodeId && /^fenced while writing the final snapshot/.test(line.message)), 'no final snapshot was attempted for a lost partition');
    t.is(expelled.node.state, 'running', 'the expelled node lives on');
    await assertExact(t, fixture);
  });

  test(`${handOver}: a node stopped like on SIGTERM writes a final snapshot and its successor resumes exactly there`, async (t) => {
    // Snapshots only on stop: the interval and record count are out of reach.
    const fixture = new PipelineFixture({ snapshotEveryMs: 3_600_000, snapshotEveryRecords: 1_000_000 }, { handOver });
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
    await assertExact(t, fixture);
  });
}
