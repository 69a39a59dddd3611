import test from 'ava';
import { Mailbox } from '../../runtime/mailbox.ts';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function recordingMailbox(options: { sliceMs?: number; fail?: (message: string) => boolean } = {}) {
  const handled: string[] = [];
  const errors: string[] = [];
  let drained = 0;
  const mailbox = new Mailbox<string>({
    handle: (message) => {
      if (options.fail?.(message)) throw new Error(`cannot handle ${message}`);
      handled.push(message);
    },
    onError: (error, message) => errors.push(`${message}: ${(error as Error).message}`),
    onDrained: () => drained++,
    ...(options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs }),
  });
  return { mailbox, handled, errors, drained: () => drained };
}

test('hands messages to the handler one at a time, in the order they were posted, after the poster returns', async (t) => {
  const { mailbox, handled } = recordingMailbox();
  mailbox.post('a');
  mailbox.post('b');
  t.deepEqual(handled, [], 'posting never runs the handler in the poster');
  t.is(mailbox.size, 2);
  mailbox.post('c');
  await mailbox.idle();
  t.deepEqual(handled, ['a', 'b', 'c']);
  t.is(mailbox.size, 0);
});

test('a message posted by the handler is handled after the ones queued before it', async (t) => {
  const handled: string[] = [];
  const mailbox: Mailbox<string> = new Mailbox<string>({
    handle: (message) => {
      handled.push(message);
      if (message === 'a') mailbox.post('a-reply');
    },
    onError: () => t.fail(),
  });
  mailbox.post('a');
  mailbox.post('b');
  await mailbox.idle();
  t.deepEqual(handled, ['a', 'b', 'a-reply']);
});

test('a handler that throws is reported with its message and the mailbox goes on', async (t) => {
  const { mailbox, handled, errors } = recordingMailbox({ fail: (message) => message === 'bad' });
  for (const message of ['a', 'bad', 'c']) mailbox.post(message);
  await mailbox.idle();
  t.deepEqual(handled, ['a', 'c']);
  t.deepEqual(errors, ['bad: cannot handle bad']);
});

test('yields to the event loop between slices, so other work runs between messages', async (t) => {
  const order: string[] = [];
  const mailbox = new Mailbox<string>({ handle: (message) => void order.push(message), onError: () => t.fail(), sliceMs: 0 });
  for (const message of ['m1', 'm2', 'm3']) mailbox.post(message);
  setImmediate(() => order.push('other work'));
  await mailbox.idle();
  t.deepEqual(order, ['m1', 'other work', 'm2', 'm3']);
});

test('tells when it drained, once per emptying', async (t) => {
  const { mailbox, drained } = recordingMailbox();
  mailbox.post('a');
  mailbox.post('b');
  await mailbox.idle();
  t.is(drained(), 1);
  mailbox.post('c');
  await mailbox.idle();
  t.is(drained(), 2);
});

test('idle resolves at once when nothing is queued, and after the last message otherwise', async (t) => {
  const { mailbox, handled } = recordingMailbox();
  await mailbox.idle();
  mailbox.post('a');
  const idle = mailbox.idle().then(() => [...handled]);
  t.deepEqual(await idle, ['a']);
});

test('close drops what is queued, takes nothing more and wakes whoever waits for idle', async (t) => {
  const { mailbox, handled } = recordingMailbox();
  mailbox.post('a');
  const idle = mailbox.idle();
  mailbox.close();
  await idle;
  mailbox.post('b');
  t.is(mailbox.size, 0);
  await nextTurn();
  await nextTurn();
  t.deepEqual(handled, []);
});

test('a long queue is handled completely and in order (the queue compacts as it goes)', async (t) => {
  const { mailbox, handled } = recordingMailbox();
  const posted = Array.from({ length: 5000 }, (_, i) => `m${i}`);
  for (const message of posted) mailbox.post(message);
  await mailbox.idle();
  t.deepEqual(handled, posted);
});

test('a handler that returns a promise holds the messages after it until it settles, while the event loop runs on', async (t) => {
  const order: string[] = [];
  let finish!: () => void;
  const mailbox = new Mailbox<string>({
    handle: (message) => {
      order.push(message);
      if (message === 'slow') return new Promise<void>((resolve) => (finish = resolve));
    },
    onError: () => t.fail(),
  });
  for (const message of ['a', 'slow', 'b']) mailbox.post(message);
  let idle = false;
  void mailbox.idle().then(() => (idle = true));
  await nextTurn();
  await nextTurn();
  t.deepEqual(order, ['a', 'slow'], 'b waits for the slow message');
  t.false(idle);
  mailbox.post('c');
  finish();
  await mailbox.idle();
  t.deepEqual(order, ['a', 'slow', 'b', 'c']);
  t.true(idle);
});

test('a handler\'s rejected promise goes to onError with its message, and the next message is handled', async (t) => {
  const errors: string[] = [];
  const handled: string[] = [];
  const mailbox = new Mailbox<string>({
    handle: (message) => {
      handled.push(message);
      if (message === 'bad') return Promise.reject(new Error('encoding failed'));
    },
    onError: (error, message) => errors.push(`${message}: ${(error as Error).message}`),
  });
  for (const message of ['bad', 'next']) mailbox.post(message);
  await mailbox.idle();
  t.deepEqual(handled, ['bad', 'next']);
  t.deepEqual(errors, ['bad: encoding failed']);
});
