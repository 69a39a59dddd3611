import test from 'ava';
import { HAND_OVERS, PipelineFixture, generateEvents, resultKey, waitFor } from '../helpers/pipeline-fixture.ts';
import type { Event } from '../../protocols/event.ts';

/** Expected results computed directly from the events, independent of the pipeline. */
function expectedCounts(events: readonly Event[], windowMs: number, filter: (event: Event) => boolean, facet: (event: Event) => string | null) {
  const expected = new Map<string, number>();
  for (const event of events) {
    if (!filter(event)) continue;
    const start = Math.floor(event.timestamp / windowMs) * windowMs;
    const value = facet(event);
    const key = `${start}|${JSON.stringify(value === null ? null : [value])}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  return expected;
}

for (const handOver of HAND_OVERS) {
  test(`${handOver}: known events and queries in, exactly the expected window results out`, async (t) => {
    const fixture = new PipelineFixture({}, { handOver });
    t.teardown(() => fixture.stop());
    await fixture.createTopics();
    await fixture.addQueries([
      { id: 'shop-views', nrql: "SELECT count(*) FROM PageView WHERE appName = 'shop' FACET country TIMESERIES 1 minute" },
      { id: 'durations', nrql: 'SELECT count(*), sum(duration), min(duration), max(duration), average(duration) FROM Transaction TIMESERIES 30 seconds' },
    ]);
    const events = generateEvents(3000, 5 * 60_000, 7);
    await fixture.produceEvents(events);
    await fixture.startNode();

    const views = expectedCounts(events, 60_000, (e) => e.eventType === 'PageView' && e.attributes.appName === 'shop', (e) => String(e.attributes.country));
    const transactions = events.filter((e) => e.eventType === 'Transaction');
    const byWindow = new Map<number, number[]>();
    for (const e of transactions) {
      const start = Math.floor(e.timestamp / 30_000) * 30_000;
      byWindow.set(start, [...(byWindow.get(start) ?? []), e.attributes.duration as number]);
    }
    const expectedTotal = views.size + byWindow.size;

    await fixture.advanceUntil(async () => (await fixture.results()).length >= expectedTotal, () => `${expectedTotal} results`);
    const results = await fixture.results();
    t.is(results.length, expectedTotal, 'one result per query × window × facet, none twice');
    t.is(new Set(results.map(resultKey)).size, results.length);

    for (const result of results.filter((r) => r.queryId === 'shop-views')) {
      const key = `${result.windowStart}|${JSON.stringify(result.facet)}`;
      t.is(result.values['count(*)'], views.get(key) ?? -1, `count for ${key}`);
      t.is(result.windowEnd - result.windowStart, 60_000);
      t.true(result.complete);
    }
    for (const result of results.filter((r) => r.queryId === 'durations')) {
      const durations = byWindow.get(result.windowStart)!;
      const sum = durations.reduce((a, b) => a + b, 0);
      t.is(result.values['count(*)'], durations.length);
      t.true(Math.abs((result.values['sum(duration)'] as number) - sum) < 1e-6);
      t.is(result.values['min(duration)'], Math.min(...durations));
      t.is(result.values['max(duration)'], Math.max(...durations));
      t.true(Math.abs((result.values['average(duration)'] as number) - sum / durations.length) < 1e-9);
    }
    t.deepEqual(await fixture.deadLetters(), []);
    t.deepEqual(fixture.errors, []);
  });
}
