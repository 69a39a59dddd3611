import test from 'ava';
import kafkajs from '../../../runtime/kafka/kafkajs.ts';
import { decodeMemberAssignment, decodeMemberMetadata, encodeMemberAssignment, encodeMemberMetadata, handOversIn, homesIn, standbysIn } from '../../../runtime/kafka/group-protocol.ts';

test('hand-overs ride in the assignment as names kafkajs reports unsubscribed, and never as partitions', (t) => {
  const handOvers = [{ topic: 'events.matched', partition: 3, node: 'node:a/1' }, { topic: 'events.raw', partition: 0, node: 'b' }];
  const encoded = encodeMemberAssignment([{ topic: 'events.matched', partition: 3 }, { topic: 'events.matched', partition: 5 }], 9, handOvers);
  t.deepEqual(decodeMemberAssignment(encoded), { partitions: [{ topic: 'events.matched', partition: 3 }, { topic: 'events.matched', partition: 5 }], standbys: [], estimatedGeneration: 9 });
  const names = Object.keys(kafkajs.AssignerProtocol.MemberAssignment.decode(encoded)!.assignment);
  t.deepEqual(handOversIn(names), handOvers);
  t.deepEqual(handOversIn(['events.matched', 'eventide:generation', 'eventide:handover:not json', 'eventide:handover:["t","x","n"]']), []);
});

test('homes ride in the assignment as names, one per node and topic, and back in the member metadata of the next join', (t) => {
  const homes = [
    { topic: 'events.matched', partition: 0, node: 'a' },
    { topic: 'events.matched', partition: 4, node: 'a' },
    { topic: 'events.raw', partition: 1, node: 'a' },
    { topic: 'events.matched', partition: 2, node: 'node "b"' },
  ];
  const encoded = encodeMemberAssignment([{ topic: 'events.matched', partition: 2 }], 4, [], homes);
  const names = Object.keys(kafkajs.AssignerProtocol.MemberAssignment.decode(encoded)!.assignment);
  t.is(names.filter((name) => name.startsWith('eventide:homes:')).length, 3);
  t.deepEqual(decodeMemberAssignment(encoded).partitions, [{ topic: 'events.matched', partition: 2 }]);
  const byKey = (list: typeof homes) => [...list].sort((x, y) => `${x.node}/${x.topic}/${x.partition}`.localeCompare(`${y.node}/${y.topic}/${y.partition}`));
  t.deepEqual(byKey(homesIn(names)), byKey(homes));
  t.deepEqual(homesIn(['eventide:homes:[1,"t",[0]]', 'eventide:homes:{', 'eventide:homes:["a","t",[0.5,"x",2]]']), [{ node: 'a', topic: 't', partition: 2 }]);
  const metadata = encodeMemberMetadata(['events.matched'], { metadata: { nodeId: 'b' }, owned: [], generation: 4, homes });
  t.deepEqual(decodeMemberMetadata(metadata).homes, homes);
});

test('standbys ride in the assignment as names, one per topic, never as partitions; a member says what it follows, and how far behind, when it joins', (t) => {
  const standbys = [{ topic: 'events.matched', partition: 1 }, { topic: 'events.matched', partition: 3 }];
  const encoded = encodeMemberAssignment([{ topic: 'events.matched', partition: 0 }], 4, [], [], standbys);
  const names = Object.keys(kafkajs.AssignerProtocol.MemberAssignment.decode(encoded)!.assignment);
  t.is(names.filter((name) => name.startsWith('eventide:standbys:')).length, 1);
  t.deepEqual(decodeMemberAssignment(encoded), { partitions: [{ topic: 'events.matched', partition: 0 }], standbys, estimatedGeneration: 4 });
  t.deepEqual(standbysIn(names), standbys);
  t.deepEqual(standbysIn(['eventide:standbys:{', 'eventide:standbys:["t",[2,"x"]]']), [{ topic: 't', partition: 2 }]);
  const following = [{ topic: 'events.matched', partition: 1, lag: 0 }, { topic: 'events.matched', partition: 3, lag: 12 }];
  const metadata = encodeMemberMetadata(['events.matched'], { metadata: { nodeId: 'b' }, owned: [], generation: 4, standbys: { replicas: 1, following } });
  t.deepEqual(decodeMemberMetadata(metadata).standbys, { replicas: 1, following });
  t.deepEqual(decodeMemberMetadata(encodeMemberMetadata(['t'], { metadata: {}, owned: [], generation: 0 })).standbys, { replicas: 0, following: [] }, 'a member without standbys hosts none');
});
