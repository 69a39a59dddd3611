import test from 'ava';
import type { ProducedRecord, TopicPartitionOffset, Transaction, TransactionalProducer } from '../../protocols/transport.ts';
import { CommitOutcomeUnknownError, PartitionAbandonedError, ProducerFencedError, TransportUnavailableError } from '../../protocols/errors.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { PartitionWriter, type WriteJob } from '../../runtime/partition-writer.ts';

type Step = 'send' | 'sendOffsets' | 'commit';

/** A transactional producer that keeps what each committed transaction held, fails where told, and can hold a commit open. */
class ScriptedProducer implements TransactionalProducer {
  readonly transactionalId = 'g.stage.0';
  readonly committed: { records: string[]; offsets: TopicPartitionOffset[] }[] = [];
  readonly attempts: Step[] = [];
  /** The records of each send, by value. */
  readonly sends: string[][] = [];
  aborted = 0;
  #abortFailure: Error | null = null;
  readonly #failures: { step: Step; error: Error }[] = [];
  #hold: Promise<void> | null = null;
  #release: (() => void) | null = null;

  failNext(step: Step, error: Error): void {
    this.#failures.push({ step, error });
  }

  /** The next abort fails (its coordinator unreachable). */
  failNextAbort(error: Error): void {
    this.#abortFailure = error;
  }

  /** The next commit waits until `release()`. */
  holdNextCommit(): void {
    this.#hold = new Promise((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release?.();
  }

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  async transaction(): Promise<Transaction> {
    const records: string[] = [];
    const offsets: TopicPartitionOffset[] = [];
    const step = (name: Step): void => {
      this.attempts.push(name);
      const index = this.#failures.findIndex((failure) => failure.step === name);
      if (index >= 0) throw this.#failures.splice(index, 1)[0]!.error;
    };
    return {
      send: async (sent: readonly ProducedRecord[]) => {
        step('send');
        this.sends.push(sent.map((record) => String(record.value)));
        records.push(...sent.map((record) => String(record.value)));
      },
      sendOffsets: async (_groupId: string, sent: readonly TopicPartitionOffset[]) => {
        step('sendOffsets');
        offsets.push(...sent);
      },
      commit: async () => {
        const hold = this.#hold;
        this.#hold = null;
        if (hold !== null) await hold;
        step('commit');
        this.committed.push({ records, offsets });
      },
      abort: async () => {
        const failure = this.#abortFailure;
        this.#abortFailure = null;
        if (failure !== null) throw failure;
        this.aborted++;
      },
    };
  }
}

const record = (value: string): ProducedRecord => ({ topic: 'out', partition: 0, value: Buffer.from(value) });
const job = (values: string[], extra: Partial<WriteJob> = {}): WriteJob => ({ records: values.map(record), ...extra });

function writer(options: { attempts?: number; maxRecordsPerTransaction?: number; maxBatchBytesOf?: (topic: string) => number } = {}) {
  const producer = new ScriptedProducer();
  const clock = new ManualClock();
  const failures: unknown[] = [];
  const transactions: string[][] = [];
  const partitionWriter = new PartitionWriter({
    producer,
    groupId: 'g.stage',
    inputTopic: 'in',
    partition: 0,
    sleep: (ms) => clock.sleep(ms),
    onFailed: (error) => failures.push(error),
    onTransaction: (records) => transactions.push(records.map((r) => String(r.value))),
    ...options,
  });
  return { producer, clock, failures, transactions, writer: partitionWriter };
}

test('writes jobs in order, each acknowledged after its transaction committed', async (t) => {
  const { producer, writer: w } = writer();
  const acknowledged: string[] = [];
  w.enqueue(job(['a1', 'a2'], { onCommitted: () => acknowledged.push(`a (committed ${producer.committed.length})`) }));
  await w.flush();
  w.enqueue(job(['b'], { onCommitted: () => acknowledged.push(`b (committed ${producer.committed.length})`) }));
  await w.flush();
  t.deepEqual(producer.committed.map((c) => c.records), [['a1', 'a2'], ['b']]);
  t.deepEqual(acknowledged, ['a (committed 1)', 'b (committed 2)']);
  t.is(w.transactions, 2);
  t.false(w.failed);
});

test('jobs queued while a transaction is in flight are merged into the next one, with the highest offset to commit', async (t) => {
  const { producer, writer: w, transactions } = writer();
  producer.holdNextCommit();
  w.enqueue(job(['first'], { commitOffset: 10 }));
  await new Promise((resolve) => setImmediate(resolve));
  w.enqueue(job(['second'], { commitOffset: 11 }));
  w.enqueue(job(['third'], { commitOffset: 12 }));
  t.is(w.backlog, 2, 'two records wait behind the open transaction');
  producer.release();
  await w.flush();
  t.deepEqual(transactions, [['first'], ['second', 'third']]);
  t.deepEqual(producer.committed.map((c) => c.offsets.map((o) => o.offset)), [[10], [12]]);
  t.deepEqual(producer.committed[1]!.offsets, [{ topic: 'in', partition: 0, offset: 12 }]);
  t.is(w.backlog, 0);
});

test('a transaction holds at most maxRecordsPerTransaction records, unless a single job is bigger', async (t) => {
  const { producer, writer: w, transactions } = writer({ maxRecordsPerTransaction: 3 });
  producer.holdNextCommit();
  w.enqueue(job(['held']));
  await new Promise((resolve) => setImmediate(resolve));
  w.enqueue(job(['a', 'b']));
  w.enqueue(job(['c', 'd']));
  w.enqueue(job(['e', 'f', 'g', 'h']));
  producer.release();
  await w.flush();
  t.deepEqual(transactions, [['held'], ['a', 'b'], ['c', 'd'], ['e', 'f', 'g', 'h']]);
});

test('a retriable failure before the commit is aborted and the same jobs are tried again after a back-off', async (t) => {
  const { producer, clock, writer: w, failures } = writer();
  producer.failNext('send', new TransportUnavailableError('broker busy'));
  let acknowledged = 0;
  w.enqueue(job(['a'], { onCommitted: () => acknowledged++ }));
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(producer.committed, [], 'nothing committed before the back-off ends');
  t.is(producer.aborted, 1);
  await clock.advance(200);
  await w.flush();
  t.deepEqual(producer.committed.map((c) => c.records), [['a']]);
  t.is(acknowledged, 1);
  t.deepEqual(failures, []);
});

test('a failed transaction whose abort fails too is not tried again on that producer: its records may still be in the open transaction', async (t) => {
  const { producer, clock, writer: w, failures } = writer();
  producer.failNext('send', new TransportUnavailableError('leader moved'));
  producer.failNextAbort(new TransportUnavailableError('coordinator unreachable'));
  w.enqueue(job(['a']));
  await new Promise((resolve) => setImmediate(resolve));
  await clock.advance(10_000);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(failures.length, 1);
  t.true(failures[0] instanceof CommitOutcomeUnknownError, String(failures[0]));
  t.regex(String((failures[0] as Error).message), /could not be aborted/);
  t.deepEqual(producer.attempts, ['send'], 'no second copy was sent into the transaction');
  t.deepEqual(producer.committed, []);
});

test('a failed transaction whose abort is fenced ends as fenced: the successor that took the id over aborted it', async (t) => {
  const { producer, clock, writer: w, failures } = writer();
  producer.failNext('send', new TransportUnavailableError('not the coordinator'));
  producer.failNextAbort(new ProducerFencedError('fenced by a newer producer with the same transactional id'));
  w.enqueue(job(['a']));
  await new Promise((resolve) => setImmediate(resolve));
  await clock.advance(10_000);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(failures.length, 1);
  t.true(failures[0] instanceof ProducerFencedError, String(failures[0]));
  t.deepEqual(producer.attempts, ['send'], 'nothing tried again on the fenced producer');
  t.deepEqual(producer.committed, []);
});

test('after its attempts a retriable failure stops the writer for good', async (t) => {
  const { producer, clock, writer: w, failures } = writer({ attempts: 2 });
  producer.failNext('send', new TransportUnavailableError('broker busy'));
  producer.failNext('send', new TransportUnavailableError('still busy'));
  w.enqueue(job(['a']));
  await new Promise((resolve) => setImmediate(resolve));
  await clock.advance(1000);
  await t.throwsAsync(() => w.flush(), { instanceOf: TransportUnavailableError, message: 'still busy' });
  t.true(w.failed);
  t.is(failures.length, 1);
  w.enqueue(job(['b']));
  await t.throwsAsync(() => w.flush());
  t.deepEqual(producer.committed, [], 'a failed writer writes nothing more');
});

test('a commit that fails is never tried again: its outcome is unknown, and a second copy could publish twice', async (t) => {
  const { producer, writer: w, failures } = writer();
  producer.failNext('commit', new TransportUnavailableError('connection reset during commit'));
  const acknowledged: string[] = [];
  w.enqueue(job(['publication'], { onCommitted: () => acknowledged.push('publication') }));
  w.enqueue(job(['later']));
  const error = await t.throwsAsync(() => w.flush(), { instanceOf: CommitOutcomeUnknownError });
  t.regex(error.message, /in\[0\]: commit failed \(connection reset during commit\)/);
  t.is(producer.attempts.filter((step) => step === 'commit').length, 1, 'the commit was asked for once');
  t.is(producer.aborted, 0, 'a transaction whose commit was asked for is not aborted');
  t.deepEqual(acknowledged, []);
  t.deepEqual(failures.map((failure) => (failure as Error).constructor), [CommitOutcomeUnknownError]);
  t.is(w.backlog, 0, 'the jobs behind it are dropped');
});

test('fenced, the writer stops for good at once: no retry, no abort on the fenced producer', async (t) => {
  const { producer, writer: w, failures } = writer();
  const fenced = new ProducerFencedError('a newer producer took the transactional id');
  producer.failNext('send', fenced);
  w.enqueue(job(['a']));
  await t.throwsAsync(() => w.flush(), { is: fenced });
  t.deepEqual(producer.attempts, ['send']);
  t.is(producer.aborted, 0);
  t.deepEqual(failures, [fenced]);
  w.enqueue(job(['b']));
  await t.throwsAsync(() => w.flush(), { is: fenced });
  t.deepEqual(producer.committed, []);
});

test('abandon cuts a back-off short, drops the queue and does not report a failure', async (t) => {
  const { producer, writer: w, failures } = writer();
  producer.failNext('send', new TransportUnavailableError('broker busy'));
  w.enqueue(job(['a']));
  await new Promise((resolve) => setImmediate(resolve));
  w.enqueue(job(['b']));
  w.abandon();
  // The manual clock never advances: only abandon can end the back-off.
  await t.throwsAsync(() => w.flush(), { instanceOf: PartitionAbandonedError });
  t.deepEqual(producer.committed, []);
  t.deepEqual(producer.attempts, ['send'], 'no attempt after the back-off was cut short');
  t.deepEqual(failures, []);
  t.is(w.backlog, 0);
  w.enqueue(job(['c']));
  await t.throwsAsync(() => w.flush(), { instanceOf: PartitionAbandonedError });
});

test('a non-retriable error is not retried', async (t) => {
  const { producer, writer: w, failures } = writer();
  producer.failNext('sendOffsets', new Error('offsets rejected'));
  w.enqueue(job(['a'], { commitOffset: 5 }));
  await t.throwsAsync(() => w.flush(), { message: 'offsets rejected' });
  t.deepEqual(producer.attempts, ['send', 'sendOffsets']);
  t.is(producer.aborted, 1);
  t.is(failures.length, 1);
});

test('a transaction goes in as many sends as keep each partition within its topic\'s batch limit, in order', async (t) => {
  // 300-byte values weigh 812 bytes with Kafka's framing: two fit a partition's 2,000-byte batch, three do not.
  const { producer, writer: w } = writer({ maxBatchBytesOf: (topic) => (topic === 'out' ? 2000 : 1_000_000) });
  const sized = (name: string, partition: number): ProducedRecord => ({ topic: 'out', partition, value: Buffer.from(name.padEnd(300, '.')) });
  w.enqueue({ records: [sized('a0', 0), sized('b0', 1), sized('a1', 0), sized('b1', 1), sized('a2', 0), sized('b2', 1)], commitOffset: 7 });
  await w.flush();
  const names = (values: string[]) => values.map((value) => value.replace(/\.+$/, ''));
  t.deepEqual(producer.sends.map(names), [['a0', 'b0', 'a1', 'b1'], ['a2', 'b2']]);
  t.deepEqual(producer.committed.map((c) => names(c.records)), [['a0', 'b0', 'a1', 'b1', 'a2', 'b2']], 'one transaction, records in order');
  t.deepEqual(producer.committed[0]!.offsets.map((o) => o.offset), [7]);
});

test('jobs enqueued while the writer is held go together in one transaction once it resumes, after the one in flight', async (t) => {
  const { producer, writer: w, transactions } = writer();
  producer.holdNextCommit();
  w.enqueue(job(['in flight'], { commitOffset: 5 }));
  await new Promise((resolve) => setImmediate(resolve));
  w.hold();
  producer.release();
  await w.flush();
  w.enqueue(job(['final snapshot'], { commitOffset: 9 }));
  w.enqueue(job([], { commitOffset: 9, commitMetadata: 'released' }));
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(transactions, [['in flight']], 'nothing starts while held');
  w.resume();
  await w.flush();
  t.deepEqual(transactions, [['in flight'], ['final snapshot']]);
  t.deepEqual(producer.committed[1]!.offsets, [{ topic: 'in', partition: 0, offset: 9, metadata: 'released' }]);
});
