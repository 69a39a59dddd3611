import test from 'ava';
import kafkajs from '../../../runtime/kafka/kafkajs.ts';
import { decodeMemberAssignment, encodeMemberAssignment, handOversIn } from '../../../runtime/kafka/group-protocol.ts';

test('hand-overs ride in the assignment as names kafkajs reports unsubscribed, and never as partitions', (t) => {
  const handOvers = [{ topic: 'events.matched', partition: 3, node: 'node:a/1' }, { topic: 'events.raw', partition: 0, node: 'b' }];
  const encoded = encodeMemberAssignment([{ topic: 'events.matched', partition: 3 }, { topic: 'events.matched', partition: 5 }], 9, handOvers);
  t.deepEqual(decodeMemberAssignment(encoded), { partitions: [{ topic: 'events.matched', partition: 3 }, { topic: 'events.matched', partition: 5 }], estimatedGeneration: 9 });
  const names = Object.keys(kafkajs.AssignerProtocol.MemberAssignment.decode(encoded)!.assignment);
  t.deepEqual(handOversIn(names), handOvers);
  t.deepEqual(handOversIn(['events.matched', 'eventide:generation', 'eventide:handover:not json', 'eventide:handover:["t","x","n"]']), []);
});
