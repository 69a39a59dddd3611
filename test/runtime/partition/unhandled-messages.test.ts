import test from 'ava';
import { createActor, sendTo, setup, type InspectionEvent } from 'xstate';
import { combineObservers, unhandledMessageObserver, type UnhandledMessage } from '../../../runtime/partition/unhandled-messages.ts';

type ChildEvent = { type: 'child.finish' } | { type: 'child.poke' };
const child = setup({ types: { events: {} as ChildEvent } }).createMachine({
  id: 'child',
  initial: 'working',
  states: { working: { on: { 'child.finish': 'finished', 'child.poke': { description: 'handled, changes nothing' } } }, finished: { type: 'final' } },
});

type ParentEvent = { type: 'go' } | { type: 'stop-it' } | { type: 'xstate.done.actor.worker' } | { type: 'forward'; inner: ChildEvent } | { type: 'guarded' };
const parent = setup({ types: { events: {} as ParentEvent }, actors: { child }, guards: { never: () => false } }).createMachine({
  id: 'parent',
  initial: 'idle',
  invoke: { src: 'child', id: 'worker' },
  states: {
    idle: { on: { go: 'busy', guarded: { guard: 'never', target: 'busy' } } },
    busy: { on: { 'stop-it': 'idle' } },
  },
  on: { forward: { actions: sendTo('worker', ({ event }) => event.inner) }, 'xstate.done.actor.worker': { description: 'the worker finished' } },
});

function observed() {
  const unhandled: UnhandledMessage[] = [];
  const actor = createActor(parent, { id: 'root', inspect: unhandledMessageObserver((message) => unhandled.push(message)) });
  actor.start();
  return { actor, unhandled };
}

test('a message the current state has no transition for is reported with the actor, its machine, its state and the type', (t) => {
  const { actor, unhandled } = observed();
  actor.send({ type: 'stop-it' });
  t.deepEqual(unhandled, [{ actor: 'root', machine: 'parent', state: '"idle"', type: 'stop-it' }]);
});

test('handled messages are not reported, nor xstate’s own start and stop', (t) => {
  const { actor, unhandled } = observed();
  actor.send({ type: 'go' });
  actor.send({ type: 'stop-it' });
  actor.send({ type: 'forward', inner: { type: 'child.poke' } });
  actor.stop();
  t.deepEqual(unhandled, []);
});

test('a message whose every guard fails changed nothing: reported', (t) => {
  const { actor, unhandled } = observed();
  actor.send({ type: 'guarded' });
  t.deepEqual(unhandled, [{ actor: 'root', machine: 'parent', state: '"idle"', type: 'guarded' }]);
});

test('a child’s unhandled message is reported with the child’s id and machine', (t) => {
  const { actor, unhandled } = observed();
  actor.send({ type: 'forward', inner: { type: 'child.finish' } });
  t.deepEqual(unhandled, [], 'the parent handles its child’s done event');
  // The child is final now and no longer runs: xstate drops what it is sent, without a microstep.
  actor.send({ type: 'forward', inner: { type: 'child.poke' } });
  t.deepEqual(unhandled, [{ actor: 'worker', machine: 'child', state: '"finished" (done)', type: 'child.poke' }]);
});

test('the node’s own observer still sees every inspection event', (t) => {
  const seen: string[] = [];
  const unhandled: UnhandledMessage[] = [];
  const inspect = combineObservers(unhandledMessageObserver((message) => unhandled.push(message)), (event: InspectionEvent) => seen.push(event.type));
  const actor = createActor(parent, { inspect });
  actor.start();
  actor.send({ type: 'stop-it' });
  t.true(seen.includes('@xstate.microstep') && seen.includes('@xstate.event') && seen.includes('@xstate.snapshot'));
  t.is(unhandled.length, 1);
});
