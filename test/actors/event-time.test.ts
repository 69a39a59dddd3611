import test from 'ava';
import { DEFAULT_EVENT_TIME_BOUNDS, eventTimeBounds, eventTimeLetter } from '../../actors/event-time.ts';
import { matchRecords, type MatchContext } from '../../actors/match.ts';
import { buildQueryIndex } from '../../actors/query-index.ts';
import type { Event } from '../../protocols/event.ts';
import { decodeMatchedEventBatch } from '../../protocols/matched-events/index.ts';

const NOW = 1_700_000_000_000;
const event = (timestamp: number): Event => ({ eventType: 'PageView', timestamp, attributes: { appName: 'shop' } });

test('an event further ahead of the clock, or older, than its bounds gets a dead letter that says by how much', (t) => {
  const bounds = DEFAULT_EVENT_TIME_BOUNDS;
  t.is(eventTimeLetter(event(NOW + 5 * 60_000), NOW, bounds, 3, 'event'), null, 'exactly at the bound is accepted');
  t.is(eventTimeLetter(event(NOW - 7 * 86_400_000), NOW, bounds, 3, 'event'), null);
  const future = eventTimeLetter(event(NOW + 10 * 365 * 86_400_000), NOW, bounds, 3, 'an event (PageView)')!;
  t.is(future.reason, 'future-timestamp');
  t.is(future.offset, 3);
  t.regex(future.message, /^an event \(PageView\): its timestamp 2033-.* is 3650 days ahead of the stage's clock, more than the 5 min allowed \(--max-event-future\)$/);
  t.deepEqual(JSON.parse(String(future.original)), { eventType: 'PageView', timestamp: NOW + 10 * 365 * 86_400_000, appName: 'shop' });
  const old = eventTimeLetter(event(-999_999_999_999_999), NOW, bounds, 3, 'event')!;
  t.is(old.reason, 'too-old');
  t.regex(old.message, /more than the 7 days allowed \(--max-event-age\)/);
  t.deepEqual(eventTimeBounds({ maxFutureMs: 1000 }), { maxFutureMs: 1000, maxAgeMs: DEFAULT_EVENT_TIME_BOUNDS.maxAgeMs });
});

test('fused with parse, match screens raw events and the events it keeps keep their index in the batch', (t) => {
  const queries = { q: { v: 1 as const, id: 'q', nrql: 'SELECT count(*) FROM PageView TIMESERIES 1 minute', createdAt: NOW - 1000, expiresAt: NOW + 3_600_000 } };
  const context: MatchContext = { partition: 0, inputTopic: 'events.raw', inputPartitions: 1, matchedTopic: 'events.matched', index: buildQueryIndex(queries), eventTime: eventTimeBounds({ maxFutureMs: 60_000 }), maxMatchedRecordBytes: 1_048_588 };
  const batch = { events: [event(NOW + 120_000), event(NOW - 1000), event(NOW)], rejected: [] };
  const { outputs, letters } = matchRecords(context, [{ offset: 7, value: batch }] as never, NOW);
  t.deepEqual(letters.map((letter) => [letter.reason, letter.offset]), [['future-timestamp', 7]]);
  t.is(outputs.length, 1);
  const matched = decodeMatchedEventBatch(outputs[0]!.value as Buffer);
  t.deepEqual(matched.events.map((e) => [e.offset, e.index]), [[7, 1], [7, 2]]);
});
