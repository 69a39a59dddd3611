/**
 * A query ends when its TTL expires or it is cancelled (a tombstone on the
 * queries topic). Its windows stop after publishing what they hold: windows
 * that already closed were published complete, windows still open are
 * published with complete=false and every event counted so far; events that
 * arrive for it later are not aggregated (a match node that lagged behind
 * gets them dead-lettered), and the other queries go on untouched.
 */
import test from 'ava';
import { HAND_OVERS, PipelineFixture, T0, generateEvents, resultKey } from '../helpers/pipeline-fixture.ts';
import type { HandOver } from '../../runtime/memory/index.ts';
import { expectedResults, compareResults, type QuerySpec } from '../helpers/expected-results.ts';
import type { Event } from '../../protocols/event.ts';
import type { WindowResult } from '../../protocols/result/index.ts';

// Events in [T0 - 150 s, T0 - 30 s): windows [T0-180s, T0-120s) and [T0-120s, T0-60s) close by watermark, [T0-60s, T0) stays open.
const EVENTS = generateEvents(240, 120_000, 31).map((event) => ({ ...event, timestamp: event.timestamp - 150_000 }));
const LAST_WINDOW = T0 - 60_000;

const pageViews = (id: string): QuerySpec => ({
  id,
  nrql: 'SELECT count(*) FROM PageView FACET appName TIMESERIES 1 minute',
  windowMs: 60_000,
  matches: (event) => event.eventType === 'PageView',
  facet: (event) => String(event.attributes.appName),
  values: (events) => ({ 'count(*)': events.length }),
});
const CONTROL: QuerySpec = {
  id: 'transactions',
  nrql: 'SELECT count(*), max(duration) FROM Transaction TIMESERIES 1 minute',
  windowMs: 60_000,
  matches: (event) => event.eventType === 'Transaction',
  facet: () => null,
  values: (events) => ({ 'count(*)': events.length, 'max(duration)': Math.max(...events.map((event) => event.attributes.duration as number)) }),
};

const of = (results: readonly WindowResult[], queryId: string) => results.filter((result) => result.queryId === queryId);

async function startWith(queries: readonly (QuerySpec & { ttlMs?: number })[], handOver: HandOver): Promise<PipelineFixture> {
  const fixture = new PipelineFixture({ snapshotEveryMs: 2000 }, { handOver });
  await fixture.createTopics(3, 4);
  await fixture.addQueries(queries.map(({ id, nrql, ttlMs }) => ({ id, nrql, ...(ttlMs === undefined ? {} : { ttlMs }) })));
  await fixture.startNode(['parse', 'match', 'aggregate']);
  await fixture.produceEvents(EVENTS);
  await fixture.settle();
  await fixture.flushWrites();
  return fixture;
}

/** Checks the ended query's results: closed windows complete, the open one partial, every event counted once. */
function checkEndedQuery(t: import('ava').ExecutionContext, results: readonly WindowResult[], query: QuerySpec, lastComplete: boolean): void {
  const ended = of(results, query.id);
  t.deepEqual(compareResults(ended, expectedResults([query], EVENTS)), [], 'nothing lost, nothing twice');
  for (const result of ended) {
    const complete = result.windowStart < LAST_WINDOW || lastComplete;
    t.is(result.complete, complete, `${resultKey(result)} complete=${complete}`);
  }
  t.true(ended.some((result) => result.windowStart === LAST_WINDOW), 'the open window is published too');
}

/** Events after the end: new raw events, and matched events from a match node that had not seen the end yet. */
async function sendLateArrivals(fixture: PipelineFixture, queryId: string): Promise<Event[]> {
  const later = generateEvents(30, 10_000, 77).map((event) => ({ ...event, eventType: 'PageView', timestamp: event.timestamp - 20_000 }));
  await fixture.produceEvents(later);
  await fixture.produceMatched(queryId, later.slice(0, 3));
  return later;
}

/**
 * After the end, events keep coming: the ended query's results stay as they were, the other query is
 * untouched, and only the lagging match node's events are dead-lettered (the new raw events are not matched).
 */
async function checkAfterEnd(t: import('ava').ExecutionContext, fixture: PipelineFixture, query: QuerySpec, reason: 'query-expired' | 'query-cancelled'): Promise<void> {
  await sendLateArrivals(fixture, query.id);
  const control = expectedResults([CONTROL], EVENTS);
  await fixture.publishAll(of(await fixture.results(), query.id).length + control.size);
  const results = await fixture.results();
  checkEndedQuery(t, results, query, false);
  t.deepEqual(compareResults(of(results, CONTROL.id), control), [], 'the other query is untouched');
  const letters = await fixture.deadLetters();
  t.deepEqual(letters.map((letter) => `${letter.stage}/${letter.reason}`), [`aggregate/${reason}`], 'the lagging match node’s events are dead-lettered, the new raw events are not matched');
  t.regex(letters[0]!.message, new RegExp(query.id));
  t.deepEqual(fixture.errors, []);
}

for (const handOver of HAND_OVERS) {
  test(`${handOver}: a query whose TTL expires publishes its closed windows complete and its open window partial, then aggregates nothing more`, async (t) => {
    const views = pageViews('views-5s');
    const fixture = await startWith([{ ...views, ttlMs: 5000 }, CONTROL], handOver);
    t.teardown(() => fixture.stop());
    const closedBeforeExpiry = of(await fixture.results(), views.id);
    t.true(closedBeforeExpiry.length > 0 && closedBeforeExpiry.every((result) => result.complete && result.windowStart < LAST_WINDOW), 'windows the watermark passed are out before the TTL');

    await fixture.advanceUntil(async () => of(await fixture.results(), views.id).some((result) => result.windowStart === LAST_WINDOW), () => 'the expired query to publish its open window');
    t.true(fixture.clock.now() >= T0 + 5000);
    checkEndedQuery(t, await fixture.results(), views, false);

    await checkAfterEnd(t, fixture, views, 'query-expired');
  });

  test(`${handOver}: a query that expires on the tick that closes its last window publishes that window complete`, async (t) => {
    // The partition goes quiet at T0; the idle timeout (10 s) and the TTL end on the same tick.
    const views = pageViews('views-10s');
    const fixture = await startWith([{ ...views, ttlMs: 10_000 }], handOver);
    t.teardown(() => fixture.stop());
    await fixture.advanceUntil(async () => of(await fixture.results(), views.id).some((result) => result.windowStart === LAST_WINDOW), () => 'the last window');
    await fixture.flushWrites();
    checkEndedQuery(t, await fixture.results(), views, true);
  });

  test(`${handOver}: a cancelled query publishes what it holds, marks open windows incomplete, and dead-letters later events`, async (t) => {
    const views = pageViews('views');
    const fixture = await startWith([views, CONTROL], handOver);
    t.teardown(() => fixture.stop());
    await fixture.cancelQuery(views.id);
    await fixture.advanceUntil(async () => of(await fixture.results(), views.id).some((result) => result.windowStart === LAST_WINDOW), () => 'the cancelled query to publish its open window', 500);
    t.true(fixture.clock.now() < T0 + 10_000, 'published on cancellation, not when the window would have closed');
    checkEndedQuery(t, await fixture.results(), views, false);

    await checkAfterEnd(t, fixture, views, 'query-cancelled');
  });

  test(`${handOver}: a query renewed before its TTL runs out keeps aggregating and publishes its last window complete`, async (t) => {
    const views = pageViews('views-renewed');
    const fixture = await startWith([{ ...views, ttlMs: 5000 }], handOver);
    t.teardown(() => fixture.stop());
    await fixture.clock.advance(2000);
    // Renewing writes the query again with a new expiry, as `eventide query renew` does.
    await fixture.addQueries([{ id: views.id, nrql: views.nrql, ttlMs: 3_600_000 }]);
    await fixture.settle();
    await fixture.advanceUntil(async () => of(await fixture.results(), views.id).some((result) => result.windowStart === LAST_WINDOW), () => 'the last window, closed by the idle timeout');
    t.true(fixture.clock.now() >= T0 + 10_000, 'it outlived its first TTL');
    await fixture.flushWrites();
    const results = await fixture.results();
    checkEndedQuery(t, results, views, true);
    t.deepEqual(await fixture.deadLetters(), []);
  });
}
