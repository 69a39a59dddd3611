import test from 'ava';
import { parseMachine } from '../../actors/parse.ts';
import { decodeEventBatch, encodeEventBatch } from '../../protocols/event-batch/index.ts';
import { decodeParsedEvent } from '../../protocols/parsed-event/index.ts';
import type { Event } from '../../protocols/event.ts';
import type { OutputRecord } from '../../protocols/stage.ts';
import { hostMachine } from './hosted-machine.ts';

const NOW = 1_700_000_000_000;
const input = { stage: 'parse', partition: 2, inputPartitions: 3, now: NOW, parsedTopic: 'tenant-a.events.parsed' };
const rawBatch = (offset: number, value: Buffer) => ({ offset, key: null, headers: {}, timestamp: NOW, value: decodeEventBatch(value) });

test('single events go to the parsed topic the stage names, rejected events to the dead letters', (t) => {
  const parse = hostMachine(parseMachine, input);
  const events: Event[] = [
    { eventType: 'PageView', timestamp: NOW - 2, attributes: { appName: 'shop' } },
    { eventType: 'Transaction', timestamp: NOW - 1, attributes: { duration: 0.5 } },
  ];
  const withBadEvent = Buffer.from(JSON.stringify([{ eventType: 'PageView', timestamp: NOW, appName: 'blog' }, { timestamp: NOW }]));
  parse.send({ type: 'eventide.batch', partition: 2, records: [rawBatch(7, encodeEventBatch(events)), rawBatch(8, withBadEvent)], nextOffset: 9, now: NOW });
  const outputs = parse.emitted.flatMap((emission) => (emission.type === 'eventide.output' ? emission.records : [])) as OutputRecord[];
  t.deepEqual([...new Set(outputs.map((record) => record.topic))], ['tenant-a.events.parsed']);
  t.deepEqual(outputs.map((record) => decodeParsedEvent(record.value as Buffer).eventType), ['PageView', 'Transaction', 'PageView']);
  const letters = parse.emitted.flatMap((emission) => (emission.type === 'eventide.deadletter' ? emission.letters : []));
  t.deepEqual(letters.map((letter) => letter.offset), [8]);
});

test('the routine messages of a stateless stage (restored on start, revoke on leaving) are handled, none reported as unhandled', (t) => {
  const parse = hostMachine(parseMachine, input);
  parse.send({ type: 'eventide.restored', from: 'earliest', published: [], now: NOW });
  parse.send({ type: 'eventide.batch', partition: 2, records: [rawBatch(0, encodeEventBatch([]))], nextOffset: 1, now: NOW });
  parse.send({ type: 'eventide.revoke', now: NOW });
  t.deepEqual(parse.unhandled, []);
});

test('a message a parse stage is never sent (it declares no ticks, publishes nothing) is reported, not silently applied', (t) => {
  const parse = hostMachine(parseMachine, input);
  parse.send({ type: 'eventide.tick', now: NOW });
  parse.send({ type: 'eventide.published', key: 'k', nextOffset: 1 });
  t.deepEqual(parse.unhandled, ['{}: eventide.tick', '{}: eventide.published']);
});
