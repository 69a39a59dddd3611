import test from 'ava';
import { Instrumentation, countByTopic, type InstrumentationEvent } from '../../runtime/instrumentation.ts';
import type { Logger } from '../../runtime/logger.ts';

const recordsIn = { stage: 'parse', partition: 0, records: 5 };

test('listeners receive what is emitted, until they unsubscribe', (t) => {
  const instrumentation = new Instrumentation();
  const seen: number[] = [];
  const off = instrumentation.on('records.in', ({ records }) => seen.push(records));
  t.true(instrumentation.has('records.in'));
  instrumentation.emit('records.in', recordsIn);
  off();
  instrumentation.emit('records.in', recordsIn);
  t.deepEqual(seen, [5]);
  t.false(instrumentation.has('records.in'));
});

test('a listener that throws is isolated: counted, reported, and the other listeners and the caller go on', (t) => {
  const reported: [string, InstrumentationEvent][] = [];
  const instrumentation = new Instrumentation({ onListenerError: (error, event) => reported.push([(error as Error).message, event]) });
  const seen: string[] = [];
  instrumentation.on('records.in', () => {
    throw new Error('metrics bug');
  });
  instrumentation.on('records.in', () => seen.push('second listener'));
  t.notThrows(() => instrumentation.emit('records.in', recordsIn));
  t.notThrows(() => instrumentation.emit('records.in', recordsIn));
  t.deepEqual(seen, ['second listener', 'second listener']);
  t.is(instrumentation.listenerErrors, 2);
  t.deepEqual(reported, [['metrics bug', 'records.in'], ['metrics bug', 'records.in']]);
});

test('with a logger, a listener’s error is logged as an error naming the event', (t) => {
  const lines: { fields: object; message: string }[] = [];
  const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (fields, message) => lines.push({ fields, message }), child: () => logger };
  const instrumentation = new Instrumentation({ logger });
  instrumentation.on('deadletter', () => {
    throw new Error('oops');
  });
  instrumentation.emit('deadletter', { stage: 's', partition: 1, reason: 'late' });
  t.is(lines.length, 1);
  t.like(lines[0], { message: 'an instrumentation listener threw; it is ignored', fields: { event: 'deadletter' } });
  t.regex((lines[0]!.fields as { err: string }).err, /oops/);
});

test('an error hook that throws itself does not reach the caller either', (t) => {
  const instrumentation = new Instrumentation({
    onListenerError: () => {
      throw new Error('hook bug');
    },
  });
  instrumentation.on('rebalance', () => {
    throw new Error('listener bug');
  });
  t.notThrows(() => instrumentation.emit('rebalance', { stage: 's', generation: 1, assigned: 2 }));
  t.is(instrumentation.listenerErrors, 1);
});

test('records per topic, as transaction.committed reports them', (t) => {
  t.deepEqual(countByTopic([{ topic: 'a' }, { topic: 'b' }, { topic: 'a' }]), { a: 2, b: 1 });
  t.deepEqual(countByTopic([]), {});
});
