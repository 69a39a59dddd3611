import test from 'ava';
import { plainJson, summarizeMessage } from '../../../runtime/inspector/plain-json.ts';
import { childActorId, describeState, parentActorId, parseActorId, rootActorId } from '../../../runtime/inspector/actor-paths.ts';

test('a context becomes JSON a page can show, within a budget that says what it left out', (t) => {
  const actorRef = { id: 'w:1', sessionId: 'x:1', send: () => undefined };
  const value = { n: 1, inf: Number.POSITIVE_INFINITY, big: 10n, fn: () => 1, ref: actorRef, set: new Set(['a']), map: new Map([['k', 2]]), buffer: Buffer.from('abc') };
  t.deepEqual(plainJson(value), { n: 1, inf: 'Infinity', big: '10', ref: { '@actor': 'w:1' }, set: ['a'], map: [['k', 2]], buffer: '[3 bytes]' });
  const cut = plainJson({ list: Array.from({ length: 1000 }, (_, i) => i) }, 10) as { list: unknown[] };
  t.is(cut.list.at(-1), `… ${1000 - cut.list.length + 1} more items not shown`);
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  t.deepEqual(plainJson(circular), { a: 1, self: '[circular]' });
  t.regex(plainJson('y'.repeat(10_001)) as string, /… \(1 more characters not shown\)$/);
});

test('a message is summarised: arrays by their length, long strings cut, objects by their keys', (t) => {
  t.deepEqual(summarizeMessage({ type: 'eventide.batch', records: [1, 2, 3], one: [1], now: 5, quiet: false, note: 'z'.repeat(100), meta: { a: 1, b: 2 }, none: null }), {
    records: '3 items', one: '1 item', now: 5, quiet: false, note: `${'z'.repeat(77)}…`, meta: '{a, b}', none: null,
  });
});

test('actor ids are paths of URI-encoded segments that parse back', (t) => {
  const root = rootActorId('aggregate', 3);
  const window = childActorId(childActorId(root, 'q:a/b'), 'w:1700000000000');
  t.is(window, 'aggregate/3/q%3Aa%2Fb/w%3A1700000000000');
  t.deepEqual(parseActorId(window), { stage: 'aggregate', partition: 3, children: ['q:a/b', 'w:1700000000000'] });
  t.is(parentActorId(window), 'aggregate/3/q%3Aa%2Fb');
  t.is(parentActorId(root), null);
  t.is(parseActorId('aggregate'), null);
  t.is(parseActorId('aggregate/-1'), null);
  t.is(parseActorId('aggregate/0/%E0%A4%A'), null);
});

test('a state value reads as one line, parallel regions in brackets', (t) => {
  t.is(describeState('running'), 'running');
  t.is(describeState({ active: 'collecting' }), 'active.collecting');
  t.is(describeState({ a: { b: 'c' } }), 'a.b.c');
  t.is(describeState({ left: 'x', right: { y: 'z' } }), '[left.x, right.y.z]');
  t.is(describeState({}), 'none');
  t.is(describeState(undefined), 'none');
});
