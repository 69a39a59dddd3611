import test from 'ava';
import fc from 'fast-check';
import type { TopicPartition } from '../../../protocols/transport.ts';
import { assignSticky } from '../../../runtime/group/sticky-assignment.ts';

const partitions = (count: number, topic = 't'): TopicPartition[] => Array.from({ length: count }, (_, partition) => ({ topic, partition }));
const subscribed = new Set(['t']);
const counts = (assignment: Map<string, TopicPartition[]>) => [...assignment.values()].map((owned) => owned.length);

test('a joining member takes only the surplus, from the most loaded members', (t) => {
  const all = partitions(6);
  const assignment = assignSticky(
    [
      { memberId: 'a', topics: subscribed, owned: all.slice(0, 3) },
      { memberId: 'b', topics: subscribed, owned: all.slice(3) },
      { memberId: 'c', topics: subscribed, owned: [] },
    ],
    all,
  );
  t.deepEqual(counts(assignment), [2, 2, 2]);
  t.deepEqual(assignment.get('a'), all.slice(0, 2));
  t.deepEqual(assignment.get('b'), all.slice(3, 5));
  t.deepEqual(assignment.get('c'), [all[2], all[5]]);
});

test('partitions of a topic only go to members subscribed to it', (t) => {
  const assignment = assignSticky(
    [
      { memberId: 'a', topics: new Set(['t']), owned: [] },
      { memberId: 'b', topics: new Set(['u']), owned: [] },
    ],
    [...partitions(2, 't'), ...partitions(1, 'u')],
  );
  t.deepEqual(assignment.get('a'), partitions(2, 't'));
  t.deepEqual(assignment.get('b'), partitions(1, 'u'));
});

test('every partition is assigned once, counts differ by at most one, and members under quota keep everything', (t) => {
  t.notThrows(() =>
    fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 40 }),
      (partitionCount, memberCount, previousOwners) => {
        const all = partitions(partitionCount);
        const members = Array.from({ length: memberCount }, (_, i) => ({
          memberId: `m${i}`,
          topics: subscribed,
          owned: all.filter((tp) => previousOwners[tp.partition] === i),
        }));
        const assignment = assignSticky(members, all);
        const assigned = [...assignment.values()].flat().map((tp) => tp.partition).sort((a, b) => a - b);
        if (assigned.join() !== all.map((tp) => tp.partition).join()) return false;
        const sizes = counts(assignment);
        if (Math.max(...sizes) - Math.min(...sizes) > 1) return false;
        const floor = Math.floor(partitionCount / memberCount);
        return members.every((m) => {
          if (m.owned.length > floor) return assignment.get(m.memberId)!.length >= floor;
          const now = new Set(assignment.get(m.memberId)!.map((tp) => tp.partition));
          return m.owned.every((tp) => now.has(tp.partition));
        });
      },
    ),
    ),
  );
});
