import test from 'ava';
import { BackPressure } from '../../../runtime/partition/back-pressure.ts';

function backPressure() {
  const queues = { mailbox: 0, writer: 0 };
  const valve: string[] = [];
  const pressure = new BackPressure(
    { mailboxSize: () => queues.mailbox, writerBacklog: () => queues.writer },
    { pause: () => valve.push('pause'), resume: () => valve.push('resume') },
    { maxQueuedMessages: 8, maxWriterBacklog: 100 },
  );
  return { pressure, queues, valve };
}

test('pauses the input once the mailbox holds more than its limit, once', (t) => {
  const { pressure, queues, valve } = backPressure();
  queues.mailbox = 8;
  pressure.maybePause();
  t.deepEqual(valve, [], 'at the limit is not over it');
  queues.mailbox = 9;
  pressure.maybePause();
  pressure.maybePause();
  t.deepEqual(valve, ['pause']);
  t.true(pressure.paused);
});

test('pauses the input once the writer holds more records than its limit', (t) => {
  const { pressure, queues, valve } = backPressure();
  queues.writer = 101;
  pressure.maybePause();
  t.deepEqual(valve, ['pause']);
});

test('resumes only once both queues are down to a quarter of their limits', (t) => {
  const { pressure, queues, valve } = backPressure();
  queues.mailbox = 20;
  queues.writer = 500;
  pressure.maybePause();
  queues.mailbox = 2;
  pressure.maybeResume();
  t.deepEqual(valve, ['pause'], 'the writer still holds too much');
  queues.writer = 26;
  pressure.maybeResume();
  t.deepEqual(valve, ['pause']);
  queues.writer = 25;
  pressure.maybeResume();
  pressure.maybeResume();
  t.deepEqual(valve, ['pause', 'resume']);
  t.false(pressure.paused);
});

test('never resumes an input it did not pause', (t) => {
  const { pressure, valve } = backPressure();
  pressure.maybeResume();
  t.deepEqual(valve, []);
});

test('the default limits are 64 messages and 50,000 records', (t) => {
  const queues = { mailbox: 64, writer: 50_000 };
  const valve: string[] = [];
  const pressure = new BackPressure({ mailboxSize: () => queues.mailbox, writerBacklog: () => queues.writer }, { pause: () => valve.push('pause'), resume: () => valve.push('resume') });
  pressure.maybePause();
  t.deepEqual(valve, []);
  queues.mailbox = 65;
  pressure.maybePause();
  t.deepEqual(valve, ['pause']);
});
