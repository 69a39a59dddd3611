import test from 'ava';
import { windowMachine, type WindowInput, type WindowMessage } from '../../actors/window.ts';
import { parseQuery } from '../../protocols/nrql/index.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { decodePublicationKey } from '../../protocols/publication-key.ts';
import type { MatchedEvent } from '../../protocols/matched-events/index.ts';
import { runChild } from './child-harness.ts';

const START = 1_700_000_000_000 - (1_700_000_000_000 % 10_000);
const definition = parseQuery("SELECT count(*) FROM PageView FACET country TIMESERIES 10 seconds WITH LATENESS 2 seconds");
const input: WindowInput = { queryId: 'shop', resultsTopic: 'tenant.results', start: START, definition };
/** The event time at which the watermark closes the window: its end plus the lateness. */
const CLOSES_AT = START + 10_000 + 2_000;

const event = (offset: number, country: string, at = START + 1000): MatchedEvent => ({ offset, index: 0, timestamp: at, attributes: { country } });
const add = (events: MatchedEvent[], watermark: number, nextOffset: number): WindowMessage => ({ type: 'window.add', events, watermark, nextOffset });
const tick = (now: number, quiet: boolean, watermark = Number.MIN_SAFE_INTEGER): WindowMessage => ({ type: 'window.tick', now, quiet, idleTimeoutMs: 60_000, watermark, nextOffset: 7 });

test('open, a window counts what it is sent and stays open while the watermark is before its end plus lateness', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE'), event(1, 'BR'), event(2, 'DE')], CLOSES_AT - 1, 3));
  window.send({ type: 'window.watermark', watermark: CLOSES_AT - 1, nextOffset: 4 });
  t.is(window.snapshot()!.value, 'open');
  t.is(window.snapshot()!.context.events, 3);
  t.deepEqual(window.take(), []);
  t.deepEqual(window.unhandled, [], 'a watermark that closes nothing is still handled');
});

test('when the watermark passes end plus lateness it closes, tells its query where, and asks to publish one record per facet group', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE'), event(1, 'BR'), event(2, 'DE')], START, 3));
  window.send({ type: 'window.watermark', watermark: CLOSES_AT, nextOffset: 9 });
  t.is(window.snapshot()!.value, 'publishing');
  const [closing, publish] = window.take() as unknown as [{ type: string; start: number; closedAt: number }, { type: string; key: string; records: { topic: string; key: string; value: Buffer }[] }];
  t.deepEqual(closing, { type: 'window.closing', start: START, closedAt: 9 });
  t.is(publish.type, 'window.publish');
  t.deepEqual(decodePublicationKey(publish.key), { queryId: 'shop', windowStart: START });
  t.deepEqual(publish.records.map((record) => [record.topic, record.key]), [['tenant.results', 'shop'], ['tenant.results', 'shop']]);
  const results = publish.records.map((record) => decodeWindowResult(record.value));
  t.deepEqual(results.map((result) => [result.facet, result.values['count(*)'], result.events, result.complete, result.windowEnd]), [
    [['BR'], 1, 1, true, START + 10_000],
    [['DE'], 2, 2, true, START + 10_000],
  ]);
});

test('a batch whose own watermark passes the window adds its events before closing it', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE')], CLOSES_AT + 5, 2));
  t.is(window.snapshot()!.value, 'publishing');
  t.is(window.snapshot()!.context.events, 1);
  t.is(window.snapshot()!.context.closedAt, 2);
});

test('ticks close it when the watermark passed, or when the partition is quiet and the clock passed end plus lateness plus the idle timeout', (t) => {
  const busy = runChild(windowMachine, input);
  busy.send(add([event(1, 'DE')], START, 2));
  busy.send(tick(CLOSES_AT + 120_000, false));
  t.is(busy.snapshot()!.value, 'open', 'a busy partition closes by event time only');
  busy.send(tick(CLOSES_AT + 120_000, false, CLOSES_AT));
  t.is(busy.snapshot()!.value, 'publishing');

  const quiet = runChild(windowMachine, input);
  quiet.send(add([event(1, 'DE')], START, 2));
  quiet.send(tick(CLOSES_AT + 59_999, true));
  t.is(quiet.snapshot()!.value, 'open');
  quiet.send(tick(CLOSES_AT + 60_000, true));
  t.is(quiet.snapshot()!.value, 'publishing');
  t.is(quiet.snapshot()!.context.closedAt, 7);
  t.true(quiet.snapshot()!.context.complete);
});

test('window.end closes it at once, incomplete, with no replay offset', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE')], START, 2));
  window.send({ type: 'window.end' });
  const [closing, publish] = window.take() as unknown as [{ closedAt: unknown }, { records: { value: Buffer }[] }];
  t.is(closing.closedAt, null);
  t.false(decodeWindowResult(publish.records[0]!.value).complete);
});

test('its publish marker makes it published, a final state whose output names the window and the marker offset', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE')], CLOSES_AT, 2));
  window.send({ type: 'window.published', nextOffset: 5 });
  t.is(window.snapshot()!.value, 'published');
  t.is(window.snapshot()!.status, 'done');
  t.deepEqual(window.output(), { start: START, nextOffset: 5 });
});

test('restored while publishing, window.resume asks again for the same records', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE'), event(2, 'US')], CLOSES_AT, 3));
  const first = window.take()[1]!;
  window.send({ type: 'window.resume' });
  const again = window.take();
  t.is(again.length, 1);
  t.deepEqual(again[0], first);
});

test('a window the previous owner published before a restore goes from open to published without asking to publish', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE')], START, 2));
  window.send({ type: 'window.published', nextOffset: 4 });
  t.is(window.snapshot()!.value, 'published');
  t.deepEqual(window.take(), []);
  t.deepEqual(window.output(), { start: START, nextOffset: 4 });
});

test('messages a state does not accept are visible as unhandled (no transition), never silently applied', (t) => {
  const window = runChild(windowMachine, input);
  window.send(add([event(1, 'DE')], CLOSES_AT, 2));
  window.send(add([event(2, 'DE')], CLOSES_AT, 3));
  window.send({ type: 'window.resume' });
  t.is(window.snapshot()!.context.events, 1, 'events sent while publishing are not counted');
  t.deepEqual(window.unhandled, [{ actor: 'child', state: 'publishing', type: 'window.add' }]);
});

test('its statechart shows the life of a window: open, closing, publishing, published (final)', (t) => {
  const chart = JSON.parse(JSON.stringify(windowMachine.toJSON())) as { initial: unknown; states: Record<string, { type: string; on: Record<string, { target?: string[] }[]> }> };
  t.deepEqual(Object.keys(chart.states), ['open', 'closing', 'publishing', 'published']);
  t.is(chart.states.published!.type, 'final');
  const targets = (state: string): string[] => Object.values(chart.states[state]!.on).flat().flatMap((transition) => transition.target ?? []);
  t.deepEqual([...new Set(targets('open'))].sort(), ['#window.closing', '#window.published']);
  t.deepEqual(targets('publishing'), ['#window.published']);
});
