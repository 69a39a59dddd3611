import { readFileSync } from 'node:fs';
import test from 'ava';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeHostedState, hostedState } from '../../../protocols/snapshot/index.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/protocols/snapshot/${name}`, import.meta.url), 'utf8'));

test('decodes the fixture hosted state: the machine’s persisted snapshot', (t) => {
  t.deepEqual(decodeHostedState(fixture('hosted-state.json')), {
    machine: { children: {}, context: { sessions: { u1: { clicks: 3, start: 1700000000000 } } }, historyValue: {}, status: 'active', value: 'running' },
  });
});

test('an older hosted state that lists pending publications restores; the list is read past', (t) => {
  const state = decodeHostedState(fixture('hosted-state-with-pending.json'));
  t.deepEqual(Object.keys(state), ['machine']);
  t.deepEqual((state.machine as { context: unknown }).context, { closing: { 'u1/1700000000000': { clicks: 3 } } });
});

test('what the runtime writes reads back the same', (t) => {
  const machine = { status: 'active', value: { a: 'b' }, context: {}, children: {} };
  t.deepEqual(decodeHostedState(JSON.parse(JSON.stringify(hostedState(machine)))), { machine });
});

test('a payload that is not a hosted state is a corrupt snapshot', (t) => {
  for (const payload of [null, [], 'text', {}, { machine: null }, { machine: 3 }]) {
    const error = t.throws(() => decodeHostedState(payload), { instanceOf: DecodeError });
    t.is(error.reason, 'corrupt-snapshot');
  }
});
