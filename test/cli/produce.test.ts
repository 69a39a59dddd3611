/**
 * `eventide produce` lives through broker outages (issue 9, case 6): it once
 * died on the first failed send. Now a retriable failure is retried with
 * growing waits and reported when it starts and ends, the rate catches up,
 * and only what cannot succeed (a missing topic) ends the run.
 */
import test from 'ava';
import { ManualClock, MemoryLog, memoryTransport, TopicConfigError, TransportUnavailableError } from '../../index.ts';
import { produceLoad } from '../../cli/produce.ts';
import { decodeEventBatch } from '../../protocols/event-batch/index.ts';
import { readTopic } from '../helpers/pipeline-fixture.ts';

test('produce retries through an outage, says when it starts and ends, and catches up to the rate', async (t) => {
  const log = new MemoryLog();
  const clock = new ManualClock(1_700_000_000_000);
  let down = false;
  const transport = memoryTransport(log, {
    clientId: 'produce',
    faults: (operation) => {
      if (operation.kind === 'send' && down) throw new TransportUnavailableError('send: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    },
  });
  t.teardown(() => transport.close());
  await transport.admin().createTopics([{ name: 'events.raw', partitions: 3 }]);
  const lines: string[] = [];
  // The clock moves only as the producer sleeps; the broker is down from 2 s to 7 s.
  const sleep = async (ms: number) => {
    await clock.advance(ms);
    const elapsed = clock.now() - 1_700_000_000_000;
    down = elapsed >= 2000 && elapsed < 7000;
  };
  const summary = await produceLoad(transport, { topic: 'events.raw', rate: 1000, durationMs: 10_000, batchSize: 100 }, { now: () => clock.now(), sleep, report: (line) => lines.push(line) });

  t.is(summary.outages, 1);
  t.true(summary.events >= 9900 && summary.events <= 10_000, `caught up to the rate: ${summary.events} events in 10 s at 1000/s`);
  const written = (await readTopic(transport, 'events.raw')).reduce((sum, record) => sum + decodeEventBatch(record.value!).events.length, 0);
  t.is(written, summary.events, 'every event it counts is in the topic');
  t.is(lines.length, 2);
  t.regex(lines[0]!, /^produce: the cluster does not take records now \(send: Connection error: connect ECONNREFUSED 127\.0\.0\.1:9092\); retrying every 0\.5–10 s until it does \(\d+ events produced so far\)$/);
  t.regex(lines[1]!, /^produce: sending again after \d+\.\d s; \d+ events produced so far$/);
});

test('produce stops at once on what retrying cannot fix: a missing topic', async (t) => {
  const transport = memoryTransport(new MemoryLog(), { clientId: 'produce' });
  t.teardown(() => transport.close());
  const clock = new ManualClock();
  await t.throwsAsync(produceLoad(transport, { topic: 'events.raw', rate: 1000, durationMs: 1000, batchSize: 100 }, { now: () => clock.now(), sleep: (ms) => clock.advance(ms), report: () => {} }), {
    instanceOf: TopicConfigError,
    message: "topic 'events.raw' does not exist: run eventide topics create",
  });
});
