import test from 'ava';
import fc from 'fast-check';
import type { TopicPartition } from '../../../protocols/transport.ts';
import { assignSticky } from '../../../runtime/group/sticky-assignment.ts';
import { homesByMember, nextHomes, type Homes } from '../../../runtime/group/partition-homes.ts';

const partitions = (count: number): TopicPartition[] => Array.from({ length: count }, (_, partition) => ({ topic: 't', partition }));
const subscribed = new Set(['t']);

/** A group of nodes (member id = node id) going through rebalances as the assignors do: sticky, with homes carried over. */
class Group {
  owned = new Map<string, TopicPartition[]>();
  homes: Homes = new Map();
  constructor(readonly all: readonly TopicPartition[]) {}

  rebalance(nodes: readonly string[]): Map<string, TopicPartition[]> {
    const members = nodes.map((node) => ({ memberId: node, topics: subscribed, owned: this.owned.get(node) ?? [] }));
    const next = assignSticky(members, this.all, homesByMember(this.homes, new Map(nodes.map((node) => [node, node]))));
    this.homes = nextHomes(this.homes, next);
    this.owned = next;
    return next;
  }
}

const moves = (before: Map<string, TopicPartition[]>, after: Map<string, TopicPartition[]>): number => {
  const ownerBefore = new Map([...before].flatMap(([node, owned]) => owned.map((tp) => [tp.partition, node] as const)));
  return [...after].flatMap(([node, owned]) => owned.filter((tp) => ownerBefore.get(tp.partition) !== node)).length;
};

test('a node that leaves and comes back gets its own partitions back, and nothing else moves', (t) => {
  const group = new Group(partitions(8));
  const before = group.rebalance(['a', 'b', 'c']);
  group.rebalance(['b', 'c']);
  const after = group.rebalance(['a', 'b', 'c']);
  t.deepEqual(after, before);
});

test('a rolling restart of every node, one after the other, leaves every partition where it was', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), (nodeCount, partitionCount) => {
      const nodes = Array.from({ length: nodeCount }, (_, i) => `node-${i}`);
      const group = new Group(partitions(partitionCount));
      const start = group.rebalance(nodes);
      for (const restarting of nodes) {
        group.rebalance(nodes.filter((node) => node !== restarting));
        const back = group.rebalance(nodes);
        t.is(moves(start, back), 0, `after ${restarting} came back`);
      }
    }),
  );
});

test('a node that joins makes the partitions it takes its own: the previous owner does not get them back when it rebalances', (t) => {
  const group = new Group(partitions(6));
  group.rebalance(['a', 'b']);
  const three = group.rebalance(['a', 'b', 'c']);
  const again = group.rebalance(['a', 'b', 'c']);
  t.deepEqual(again, three);
  t.is(three.get('c')!.length, 2);
});

test('partitions of a node that left for good stay balanced among the others, and go to it if a node of that id joins later', (t) => {
  const group = new Group(partitions(6));
  const before = group.rebalance(['a', 'b', 'c']);
  const two = group.rebalance(['a', 'b']);
  t.deepEqual([...two.values()].map((owned) => owned.length), [3, 3]);
  const withD = group.rebalance(['a', 'b', 'd']);
  t.deepEqual([...withD.values()].map((owned) => owned.length), [2, 2, 2]);
  const withC = group.rebalance(['a', 'b', 'd', 'c']);
  t.true(withC.get('c')!.every((tp) => before.get('c')!.some((home) => home.partition === tp.partition)), 'c gets only partitions that were its own');
});
