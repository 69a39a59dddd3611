/**
 * Throughput of the aggregate hot path: `npx tsx bench/aggregates.ts`.
 * Prints events/second for accumulate alone (one group) and for
 * addToFacetGroups in batches of 500 (the aggregate stage's unit of work).
 */
import { accumulate, addToFacetGroups, emptyFacetGroups, initialStates } from '../actors/aggregates/index.ts';
import type { AttributeValue } from '../protocols/event.ts';
import { parseQuery } from '../protocols/nrql/index.ts';

const EVENTS = 1_000_000;
const BATCH = 500;

function makeEvents(count: number): { attributes: Record<string, AttributeValue> }[] {
  let seed = 1;
  const next = () => (seed = (Math.imul(seed, 48271) % 0x7fffffff) >>> 0) / 0x7fffffff;
  return Array.from({ length: count }, (_, i) => ({
    attributes: {
      duration: Math.exp(next() * 4 - 2),
      host: `host-${i % 50}`,
      region: i % 3 === 0 ? 'eu' : 'us',
      user: `user-${Math.floor(next() * 5000)}`,
      session: `session-${i % 10_000}`,
    },
  }));
}

function measure(name: string, run: () => void): void {
  run(); // warm-up
  const started = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${name.padEnd(90)} ${Math.round(EVENTS / seconds).toLocaleString('en-US').padStart(12)} events/s`);
}

const events = makeEvents(EVENTS);

for (const text of [
  'SELECT count(*) FROM T',
  'SELECT count(*), average(duration), max(duration) FROM T',
  'SELECT count(*), average(duration), percentile(duration, 95) FROM T',
  'SELECT count(*), average(duration), percentile(duration, 95), uniqueCount(user) FROM T',
]) {
  const { select } = parseQuery(text);
  measure(`accumulate ${text.slice(7, -7)}`, () => {
    const states = initialStates(select);
    for (const { attributes } of events) accumulate(select, states, attributes);
  });
}

for (const [text, groups] of [
  ['SELECT count(*), average(duration), percentile(duration, 95) FROM T', 'no FACET'],
  ['SELECT count(*), average(duration), percentile(duration, 95) FROM T FACET host, region', 'FACET host, region (100 groups)'],
  ['SELECT count(*), average(duration) FROM T FACET session LIMIT 10000', 'FACET session (10,000 groups)'],
  ['SELECT count(*), average(duration), percentile(duration, 95) FROM T FACET session LIMIT 10000', 'FACET session (10,000 groups), with a percentile'],
] as const) {
  const query = parseQuery(text);
  measure(`addToFacetGroups, batches of ${BATCH}, ${groups}`, () => {
    let groups = emptyFacetGroups();
    for (let i = 0; i < events.length; i += BATCH) groups = addToFacetGroups(query, groups, events.slice(i, i + BATCH));
  });
}
