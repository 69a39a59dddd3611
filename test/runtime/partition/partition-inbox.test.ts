import test from 'ava';
import type { ConsumedRecord } from '../../../protocols/transport.ts';
import { PartitionInbox } from '../../../runtime/partition/partition-inbox.ts';
import type { HostMessage } from '../../../runtime/partition/partition-processor.ts';

const records = (from: number, to: number): ConsumedRecord[] =>
  Array.from({ length: to - from }, (_, i) => ({ topic: 'in', partition: 0, offset: from + i, key: null, value: null, headers: {}, timestamp: 0 }));

function inbox(options: { mayResume?: () => boolean } = {}) {
  const handled: string[] = [];
  const valve: string[] = [];
  const box = new PartitionInbox({
    handle: (message: HostMessage) =>
      void handled.push(message.kind === 'records' ? `records ${message.records[0]!.offset}-${message.records.at(-1)!.offset}${message.replayed ? ' replayed' : ''}` : message.kind === 'message' ? message.message.type : `snapshot ${message.reason}`),
    onError: () => {},
    valve: { pause: () => valve.push('pause'), resume: () => valve.push('resume') },
    writerBacklog: () => 0,
    mayResume: options.mayResume ?? (() => true),
    maxRecordsPerMessage: 2,
    limits: { maxQueuedMessages: 4 },
  });
  return { box, handled, valve };
}

test('fetched records, messages and snapshot requests are handled in the order they came', async (t) => {
  const { box, handled } = inbox();
  box.startAt(10, (offset) => offset < 12);
  box.deliver(records(8, 15));
  box.post({ type: 'eventide.tick', now: 0 });
  box.requestSnapshot('interval');
  await box.idle();
  t.deepEqual(handled, ['records 10-11 replayed', 'records 12-13', 'records 14-14', 'eventide.tick', 'snapshot interval']);
});

test('a fetch that queues more messages than the limit pauses the input, which resumes once the inbox drained', async (t) => {
  const { box, valve } = inbox();
  box.startAt(0, () => false);
  box.deliver(records(0, 10));
  t.deepEqual(valve, ['pause'], 'five messages queued, over the limit of four');
  t.true(box.paused);
  await box.idle();
  t.deepEqual(valve, ['pause', 'resume']);
});

test('the input does not resume while the partition may not (it is being revoked)', async (t) => {
  let running = true;
  const { box, valve } = inbox({ mayResume: () => running });
  box.startAt(0, () => false);
  box.deliver(records(0, 10));
  running = false;
  await box.idle();
  t.deepEqual(valve, ['pause']);
});

test('closed, it drops what is queued', async (t) => {
  const { box, handled } = inbox();
  box.startAt(0, () => false);
  box.deliver(records(0, 4));
  box.close();
  await box.idle();
  box.post({ type: 'eventide.tick', now: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(handled, []);
});
