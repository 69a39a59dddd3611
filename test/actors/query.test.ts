import test from 'ava';
import { queryMachine, type PlacedEvent, type QueryInput, type QueryMessage } from '../../actors/query.ts';
import { parseQuery } from '../../protocols/nrql/index.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { decodePublicationKey } from '../../protocols/publication-key.ts';
import { runChild } from './child-harness.ts';

const W = 10_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % W);
const input: QueryInput = { queryId: 'q', resultsTopic: 'results', definition: parseQuery('SELECT count(*) FROM PageView TIMESERIES 10 seconds') };
const NONE = Number.MIN_SAFE_INTEGER;

const placed = (offset: number, at: number, watermark = NONE): PlacedEvent => ({ event: { offset, index: 0, timestamp: at, attributes: {} }, offset, watermark });
const events = (list: PlacedEvent[], watermark: number, nextOffset: number): QueryMessage => ({ type: 'query.events', events: list, watermark, nextOffset });
type Report = { type: string; key?: string; records?: { value: Buffer }[]; letters?: { reason: string; offset: number }[] };
const publications = (reports: Report[]) =>
  reports.filter((report) => report.type === 'query.publish').map((report) => ({ start: decodePublicationKey(report.key!).windowStart, counts: report.records!.map((r) => decodeWindowResult(r.value).values['count(*)']), complete: decodeWindowResult(report.records![0]!.value).complete }));
const letters = (reports: Report[]) => reports.filter((report) => report.type === 'query.deadletter').flatMap((report) => report.letters!.map((l) => [l.reason, l.offset]));
const windowsOf = (query: ReturnType<typeof runChild<typeof queryMachine>>) => Object.keys(query.snapshot()!.children).sort();

test('events go to one window actor per event-time window; a window the watermark passes publishes through the query', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1), placed(0, T0 + 2), placed(1, T0 + W + 1)], T0 + W + 1, 2));
  t.deepEqual(windowsOf(query), [`w:${T0}`, `w:${T0 + W}`]);
  t.deepEqual(publications(query.take() as Report[]), [{ start: T0, counts: [2], complete: true }]);
  t.is(query.snapshot()!.context.closed[T0], 2, 'closed at the offset the batch reached');
  t.deepEqual(query.unhandled, []);
});

test('an event for a closed window is late from the offset it closed at, and replayed input below it was already counted', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1)], T0 + W, 5));
  query.take();
  query.send(events([placed(3, T0 + 2), placed(5, T0 + 3), placed(6, T0 + W + 1)], T0 + W + 1, 7));
  t.deepEqual(letters(query.take() as Report[]), [['late', 5]]);
  t.is(query.snapshot()!.context.late, 1);
});

test('an event whose window never opened here is late once the watermark before it passed the window', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1, T0 + W)], T0 + W, 1));
  t.deepEqual(letters(query.take() as Report[]), [['late', 0]]);
  t.deepEqual(windowsOf(query), []);
});

test('ticks reach the open windows only; the window decides to close', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1), placed(0, T0 + W + 1)], T0 + W, 1));
  query.take();
  query.send({ type: 'query.tick', now: T0 + 3 * W + 60_000, watermark: T0 + W, quiet: true, idleTimeoutMs: 60_000, nextOffset: 1 });
  t.deepEqual(publications(query.take() as Report[]), [{ start: T0 + W, counts: [1], complete: true }]);
  t.deepEqual(query.unhandled, [], 'the window publishing already was not sent the tick');
});

test('a published window finishes and leaves; the query remembers where it closed', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1)], T0 + W, 1));
  query.send({ type: 'query.published', windowStart: T0, nextOffset: 1 });
  t.deepEqual(windowsOf(query), []);
  t.deepEqual(query.snapshot()!.context.windows, {});
  t.is(query.snapshot()!.context.closed[T0], 1);
});

test('query.end: open windows close incomplete, the query is ending until the last is published, then ended (final)', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1), placed(0, T0 + W + 1)], T0 + W, 1));
  query.take();
  query.send({ type: 'query.end', reason: 'expired' });
  t.is(query.snapshot()!.value, 'ending');
  t.deepEqual(publications(query.take() as Report[]), [{ start: T0 + W, counts: [1], complete: false }]);
  query.send(events([placed(2, T0 + 2 * W)], T0 + 2 * W, 3));
  t.deepEqual(letters(query.take() as Report[]), [['query-ended', 2]]);
  query.send({ type: 'query.tick', now: T0, watermark: NONE, quiet: false, idleTimeoutMs: 60_000, nextOffset: 3 });
  query.send({ type: 'query.end', reason: 'cancelled' });
  query.send({ type: 'query.published', windowStart: T0, nextOffset: 1 });
  t.is(query.snapshot()!.value, 'ending');
  query.send({ type: 'query.published', windowStart: T0 + W, nextOffset: 1 });
  t.is(query.snapshot()!.value, 'ended');
  t.deepEqual(query.output(), { queryId: 'q', reason: 'expired' });
  t.deepEqual(query.unhandled, [], 'ticks and a second end while ending are handled');
});

test('query.end without windows ends at once', (t) => {
  const query = runChild(queryMachine, input);
  query.send({ type: 'query.end', reason: 'cancelled' });
  t.is(query.snapshot()!.value, 'ended');
  t.deepEqual(query.output(), { queryId: 'q', reason: 'cancelled' });
});

test('a marker for a window it has no actor for (published after the restored snapshot) keeps replayed events from opening it again', (t) => {
  const query = runChild(queryMachine, input);
  query.send({ type: 'query.published', windowStart: T0, nextOffset: 4 });
  query.send(events([placed(2, T0 + 1), placed(4, T0 + 2)], NONE, 5));
  t.deepEqual(windowsOf(query), []);
  t.deepEqual(letters(query.take() as Report[]), [['late', 4]]);
});

test('query.resume asks the windows still publishing to ask again, not the open ones', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1), placed(0, T0 + W + 1)], T0 + W, 1));
  const first = publications(query.take() as Report[]);
  query.send({ type: 'query.resume' });
  t.deepEqual(publications(query.take() as Report[]), first);
  t.deepEqual(query.unhandled, []);
});

test('its statechart shows the life of a query: active, ending, ended (final)', (t) => {
  const chart = JSON.parse(JSON.stringify(queryMachine.toJSON())) as { states: Record<string, { type: string }> };
  t.deepEqual(Object.keys(chart.states), ['active', 'ending', 'ended']);
  t.is(chart.states.ended!.type, 'final');
});

test('windows that close together publish oldest first', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + W + 1), placed(0, T0 + 1)], NONE, 1));
  query.send({ type: 'query.tick', now: T0, watermark: T0 + 2 * W, quiet: false, idleTimeoutMs: 60_000, nextOffset: 1 });
  t.deepEqual(publications(query.take() as Report[]).map((p) => p.start), [T0, T0 + W]);
});

test('a window forgotten among the closed ones (64 are kept) is never opened again when the watermark falls back', (t) => {
  const query = runChild(queryMachine, input);
  for (let i = 0; i < 80; i++) {
    query.send(events([placed(i, T0 + i * W + 1)], T0 + (i + 1) * W, i + 1));
    query.send({ type: 'query.published', windowStart: T0 + i * W, nextOffset: i + 1 });
  }
  t.true(Object.keys(query.snapshot()!.context.closed).length <= 65, 'the oldest closed windows are forgotten');
  t.is(query.snapshot()!.context.forgottenThrough, T0 + 14 * W);
  query.take();
  // A source that was idle comes back: the watermark falls back far behind the windows already published.
  query.send(events([placed(100, T0 + 2 * W + 5, T0), placed(100, T0 + 79 * W + 5, T0)], T0, 101));
  t.deepEqual(letters(query.take() as Report[]), [['late', 100], ['late', 100]]);
  t.deepEqual(windowsOf(query), []);
});

test('a late event beyond what a Date can show is dead-lettered, not an error of the actor', (t) => {
  const query = runChild(queryMachine, input);
  const far = 8.7e15;
  query.send(events([placed(0, far)], far + W, 1));
  query.send(events([placed(1, far + 1, far + W)], far + W, 2));
  t.is(query.snapshot()!.status, 'active');
  t.deepEqual(letters(query.take() as Report[]), [['late', 1]]);
});

test('in one batch, a window without events and one with events that both close publish oldest first', (t) => {
  const query = runChild(queryMachine, input);
  query.send(events([placed(0, T0 + 1)], NONE, 1));
  query.send(events([placed(1, T0 + 6 * W + 1), placed(1, T0 + 12 * W + 1)], T0 + 13 * W, 2));
  t.deepEqual(publications(query.take() as Report[]).map((p) => p.start), [T0, T0 + 6 * W, T0 + 12 * W]);
});
