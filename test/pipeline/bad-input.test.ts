/**
 * Bad input is data for the dead-letter topic, never a reason to stop: each
 * bad record (or bad event inside a batch) becomes one dead letter with its
 * reason, the node keeps running, and every good event — including the good
 * events of a batch that also held bad ones — is counted exactly once.
 */
import test from 'ava';
import { gzipSync } from 'node:zlib';
import { HAND_OVERS, PipelineFixture, generateEvents, type NodeEntry } from '../helpers/pipeline-fixture.ts';
import type { HandOver } from '../../runtime/memory/index.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import type { Event } from '../../protocols/event.ts';
import type { Role } from '../../pipeline/stages.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import { encodeMatchedEventBatch } from '../../protocols/matched-events/index.ts';
import { MAX_DEAD_LETTER_ORIGINAL_BYTES } from '../../runtime/partition-host.ts';

const SPAN_MS = 2 * 60_000;
const EVENTS = generateEvents(300, SPAN_MS, 5).map((event) => ({ ...event, timestamp: event.timestamp - SPAN_MS }));
const FIRST = EVENTS[0]!.timestamp;

/** Good events that share a batch with bad ones: as early as the earliest, so they are never late. */
const MIXED_GOOD: Event[] = [
  { eventType: 'PageView', timestamp: FIRST, attributes: { appName: 'shop', country: 'DE', duration: 0.5 } },
  { eventType: 'Transaction', timestamp: FIRST + 1, attributes: { appName: 'api', country: 'JP', duration: 1.25 } },
];

const flat = (event: Event) => ({ eventType: event.eventType, timestamp: event.timestamp, ...event.attributes });

/** Bad records for partition 0, in order, each with the reasons its dead letters must carry. */
function badRecords(): { value: Buffer | null; reasons: string[] }[] {
  const mixed = [
    flat(MIXED_GOOD[0]!),
    { eventType: 5, timestamp: FIRST, appName: 'shop' },
    { eventType: 'PageView', timestamp: 'yesterday', appName: 'shop' },
    { eventType: 'PageView', appName: 'shop', country: 'DE' },
    { eventType: 'PageView', timestamp: FIRST, appName: { nested: true } },
    'not an event',
    flat(MIXED_GOOD[1]!),
  ];
  const oversized = Buffer.alloc(8 * 1024 * 1024 + 1024, 0x20);
  oversized.write('[', 0);
  oversized.write(']', oversized.length - 1);
  return [
    { value: Buffer.from('[{"eventType": "PageView", "timestamp": 17'), reasons: ['malformed-json'] },
    { value: Buffer.from(JSON.stringify(mixed)), reasons: ['missing-event-type', 'invalid-timestamp', 'missing-timestamp', 'invalid-attribute', 'not-an-object'] },
    { value: null, reasons: ['empty-record'] },
    { value: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02]), reasons: ['corrupt-gzip'] },
    { value: gzipSync(Buffer.from('[{"eventType":"PageView",')), reasons: ['malformed-json'] },
    { value: oversized, reasons: ['oversized'] },
    { value: Buffer.from(JSON.stringify(flat(MIXED_GOOD[0]!))), reasons: ['not-an-array'] },
    // Hostile input: a value nested 100,000 levels deep (its dead letter once overflowed the stack and the partition restarted forever),
    // and a timestamp of 3 MB (its dead letter's message once embedded all of it).
    { value: Buffer.from(`[{"eventType":"PageView","timestamp":${FIRST},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`), reasons: ['invalid-attribute'] },
    { value: Buffer.from(JSON.stringify([{ eventType: 'PageView', timestamp: 'x'.repeat(3 * 1024 * 1024) }])), reasons: ['invalid-timestamp'] },
    // Event time that would poison a watermark: ten years ahead of the clock, and from the year −29719.
    { value: Buffer.from(JSON.stringify([{ eventType: 'PageView', timestamp: FIRST + 10 * 365 * 86_400_000, appName: 'shop', country: 'DE' }])), reasons: ['future-timestamp'] },
    { value: Buffer.from(JSON.stringify([{ eventType: 'PageView', timestamp: -999_999_999_999_999, appName: 'shop', country: 'DE' }])), reasons: ['too-old'] },
  ];
}

async function runWithBadInput(t: import('ava').ExecutionContext, layout: readonly (readonly Role[])[], stage: string, handOver: HandOver): Promise<void> {
  const fixture = new PipelineFixture({ snapshotEveryMs: 2000 }, { handOver });
  t.teardown(() => fixture.stop());
  await fixture.createTopics(3, 4);
  await fixture.addQueries(STANDARD_QUERIES);
  const nodes: NodeEntry[] = [];
  for (const roles of layout) nodes.push(await fixture.startNode(roles));

  const bad = badRecords();
  // One send: the bad records and the good batches after them arrive in the same fetches.
  await fixture.admin.producer().send(bad.map(({ value }) => ({ topic: TOPICS.raw, partition: 0, value })));
  const expected = expectedResults(STANDARD_QUERIES, [...MIXED_GOOD, ...EVENTS]);
  await fixture.produceInRounds(EVENTS, 2);
  await fixture.publishAll(expected.size);

  t.deepEqual(compareResults(await fixture.results(), expected), [], 'the good events, and only they, are counted');
  const letters = await fixture.deadLetters();
  const byOffset = new Map<number, string[]>();
  for (const letter of letters) {
    t.is(letter.stage, stage);
    t.is(letter.source.topic, TOPICS.raw);
    t.is(letter.source.partition, 0);
    t.true(letter.message.length > 0 && letter.message.length < 1000, `a dead letter says why in short (${letter.message.length} characters)`);
    byOffset.set(letter.source.offset, [...(byOffset.get(letter.source.offset) ?? []), letter.reason]);
  }
  t.deepEqual(
    bad.map((_, offset) => (byOffset.get(offset) ?? []).sort()),
    bad.map(({ reasons }) => [...reasons].sort()),
    'one dead letter per bad record or bad event, with its reason, none twice',
  );
  t.is(letters.length, bad.reduce((sum, { reasons }) => sum + reasons.length, 0));
  const oversized = letters.find((letter) => letter.reason === 'oversized')!;
  t.regex(oversized.message, /more than the limit.*original truncated to its first 262144 of \d+ bytes/);
  t.is(oversized.original?.length, MAX_DEAD_LETTER_ORIGINAL_BYTES, 'the dead letter keeps the start of an oversized batch, small enough to be a Kafka record itself');
  t.is(letters.find((letter) => letter.reason === 'empty-record')!.original, null);
  for (const { node } of nodes) {
    t.is(node.state, 'running');
    t.true(node.partitions().every((host) => host.state === 'running'), 'no partition failed');
  }
  t.deepEqual(fixture.errors, []);
}

for (const handOver of HAND_OVERS) {
  test(`${handOver}: bad raw records become dead letters with their reasons and the good events around them are counted (parse and match fused)`, async (t) => {
    await runWithBadInput(t, [['parse', 'match', 'aggregate']], 'ingest', handOver);
  });

  test(`${handOver}: the parse stage on its own dead-letters the same records the same way`, async (t) => {
    await runWithBadInput(t, [['parse'], ['match', 'aggregate']], 'parse', handOver);
  });

  test(`${handOver}: a matched-events record that does not decode, or names no known query, is dead-lettered by aggregate`, async (t) => {
    const binary = encodeMatchedEventBatch({ v: 2, queryId: 'shop-views', source: { topic: TOPICS.raw, partition: 0, partitions: 3 }, events: [{ offset: 0, index: 0, timestamp: EVENTS[0]!.timestamp, attributes: {} }] });
    const cutBinaryRecord = binary.subarray(0, binary.length - 3);
    const fixture = new PipelineFixture({ snapshotEveryMs: 2000 }, { handOver });
    t.teardown(() => fixture.stop());
    await fixture.createTopics(3, 4);
    await fixture.addQueries(STANDARD_QUERIES);
    await fixture.startNode(['parse', 'match', 'aggregate']);
    await fixture.admin.producer().send([
      { topic: TOPICS.matched, partition: 1, key: 'shop-views', value: Buffer.from('{"v":1,"queryId":') },
      { topic: TOPICS.matched, partition: 1, key: 'shop-views', value: Buffer.from('{"v":2,"queryId":"shop-views"}') },
      { topic: TOPICS.matched, partition: 1, key: 'shop-views', value: cutBinaryRecord },
    ]);
    await fixture.produceMatched('no-such-query', [EVENTS[0]!]);
    const expected = expectedResults(STANDARD_QUERIES, EVENTS);
    await fixture.produceInRounds(EVENTS, 2);
    await fixture.publishAll(expected.size);

    t.deepEqual(compareResults(await fixture.results(), expected), []);
    const letters = await fixture.deadLetters();
    t.deepEqual(letters.map((letter) => `${letter.stage}/${letter.reason}`).sort(), ['aggregate/malformed-json', 'aggregate/truncated', 'aggregate/unknown-query', 'aggregate/unsupported-version']);
    t.true(letters.every((letter) => letter.source.topic === TOPICS.matched));
    t.deepEqual(letters.find((letter) => letter.reason === 'truncated')?.original, cutBinaryRecord, 'the cut binary record is kept whole in its dead letter');
    t.deepEqual(fixture.errors, []);
  });
}
