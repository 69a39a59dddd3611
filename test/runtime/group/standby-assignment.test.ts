import test from 'ava';
import fc from 'fast-check';
import { topicPartitionKey } from '../../../protocols/topic-partition.ts';
import type { TopicPartition } from '../../../protocols/transport.ts';
import { assignSticky } from '../../../runtime/group/sticky-assignment.ts';
import { assignStandbys, warmMembers, type StandbyCandidate, type StandbyProgress } from '../../../runtime/group/standby-assignment.ts';

const partitions = (count: number): TopicPartition[] => Array.from({ length: count }, (_, partition) => ({ topic: 't', partition }));
const subscribed = new Set(['t']);
const candidate = (memberId: string, replicas: number, following: readonly StandbyProgress[] = []): StandbyCandidate => ({ memberId, topics: subscribed, replicas, following });
const keys = (list: readonly TopicPartition[] | undefined): string[] => (list ?? []).map(topicPartitionKey).sort();

test('without replicas asked for, nobody follows anything', (t) => {
  const active = assignSticky([{ memberId: 'a', topics: subscribed, owned: [] }, { memberId: 'b', topics: subscribed, owned: [] }], partitions(4));
  const standbys = assignStandbys(active, [candidate('a', 0), candidate('b', 0)]);
  t.deepEqual([...standbys.values()].flat(), []);
});

test('every partition gets its replicas on members other than its owner, spread evenly', (t) => {
  t.notThrows(() => fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 3 }), (memberCount, partitionCount, replicas) => {
      const ids = Array.from({ length: memberCount }, (_, i) => `m${i}`);
      const active = assignSticky(ids.map((memberId) => ({ memberId, topics: subscribed, owned: [] })), partitions(partitionCount));
      const standbys = assignStandbys(active, ids.map((id) => candidate(id, replicas)));
      const expected = Math.min(replicas, memberCount - 1);
      for (const tp of partitions(partitionCount)) {
        const followers = ids.filter((id) => keys(standbys.get(id)).includes(topicPartitionKey(tp)));
        const owner = ids.find((id) => keys(active.get(id)).includes(topicPartitionKey(tp)));
        if (followers.length !== expected || followers.includes(owner!)) return false;
      }
      const loads = ids.map((id) => standbys.get(id)!.length);
      return Math.max(...loads) - Math.min(...loads) <= replicas + 1;
    }),
  ));
});

test('a member keeps the standbys it follows already, and one that hosts none is given none', (t) => {
  const active = new Map([['a', partitions(2)], ['b', []], ['c', []]]);
  const standbys = assignStandbys(active, [candidate('a', 1), candidate('b', 1, [{ topic: 't', partition: 0, lag: 0 }, { topic: 't', partition: 1, lag: 5 }]), candidate('c', 0)]);
  t.deepEqual(keys(standbys.get('b')), ['t/0', 't/1']);
  t.deepEqual(standbys.get('c'), []);
  t.deepEqual(standbys.get('a'), [], 'never a standby of its own partitions');
});

test('the partitions of a member that is gone go to their standbys, least behind first, as balance allows', (t) => {
  // a owned t0 and t1 and is gone; b follows t0, c follows t0 (further behind) and t1.
  const following = new Map<string, StandbyProgress[]>([
    ['b', [{ topic: 't', partition: 0, lag: 1 }]],
    ['c', [{ topic: 't', partition: 0, lag: 40 }, { topic: 't', partition: 1, lag: 0 }]],
  ]);
  const warm = warmMembers([candidate('b', 1, following.get('b')), candidate('c', 1, following.get('c'))]);
  t.deepEqual(warm.get('t/0'), ['b', 'c']);
  const next = assignSticky(
    [{ memberId: 'b', topics: subscribed, owned: [{ topic: 't', partition: 2 }] }, { memberId: 'c', topics: subscribed, owned: [{ topic: 't', partition: 3 }] }],
    partitions(4),
    new Map(),
    warm,
  );
  t.deepEqual(keys(next.get('b')), ['t/0', 't/2']);
  t.deepEqual(keys(next.get('c')), ['t/1', 't/3']);
});

test('balance comes before warmth: a standby at its quota leaves the partition to another member', (t) => {
  const warm = warmMembers([candidate('b', 1, [{ topic: 't', partition: 0, lag: 0 }, { topic: 't', partition: 1, lag: 0 }])]);
  const next = assignSticky(
    [{ memberId: 'b', topics: subscribed, owned: [{ topic: 't', partition: 2 }] }, { memberId: 'c', topics: subscribed, owned: [{ topic: 't', partition: 3 }] }],
    partitions(4),
    new Map(),
    warm,
  );
  t.is(next.get('b')!.length, 2);
  t.is(next.get('c')!.length, 2);
  t.deepEqual(keys(next.get('b')), ['t/0', 't/2'], 'the first orphan goes to its standby');
});
