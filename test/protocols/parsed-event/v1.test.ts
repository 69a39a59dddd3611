import { readFileSync } from 'node:fs';
import test from 'ava';
import { DecodeError, EventideError } from '../../../protocols/errors.ts';
import type { Event } from '../../../protocols/event.ts';
import { decodeParsedEvent, encodeParsedEvent } from '../../../protocols/parsed-event/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/parsed-event/${name}`, import.meta.url));

const pageView: Event = {
  eventType: 'PageView',
  timestamp: 1700000000000,
  attributes: { appName: 'shop', duration: 0.3, country: 'US', loggedIn: true, referrer: null },
};

test('decodes the fixture event, leaving the version field out of the attributes', (t) => {
  t.deepEqual(decodeParsedEvent(fixture('valid.json')), pageView);
});

test('encodes an event as flat JSON with "v":1 first', (t) => {
  t.is(
    encodeParsedEvent(pageView).toString(),
    '{"v":1,"eventType":"PageView","timestamp":1700000000000,"appName":"shop","duration":0.3,"country":"US","loggedIn":true,"referrer":null}',
  );
  t.deepEqual(decodeParsedEvent(encodeParsedEvent(pageView)), pageView);
});

test('refuses to encode an attribute named v', (t) => {
  const error = t.throws(() => encodeParsedEvent({ eventType: 'A', timestamp: 1, attributes: { v: 2 } }), { instanceOf: EventideError });
  t.regex(error?.message ?? '', /attribute named "v"/);
});

const failures: [string, string, string, string][] = [
  ['invalid JSON', '{"v":1,', 'malformed-json', 'parsed-event: the record is not valid JSON'],
  ['an array', '[1]', 'not-an-object', 'parsed-event: the record must be a JSON object, got an array'],
  ['no version', '{"eventType":"A","timestamp":1}', 'missing-field', 'parsed-event: field "v" is missing'],
  ['another version', '{"v":2,"eventType":"A","timestamp":1}', 'unsupported-version', 'parsed-event: field "v" is 2, this decoder reads version 1'],
  ['no eventType', '{"v":1,"timestamp":1}', 'missing-event-type', 'parsed-event: the event has no "eventType"'],
  ['no timestamp', '{"v":1,"eventType":"A"}', 'missing-timestamp', 'parsed-event: the event (A) has no "timestamp"'],
  [
    'an ISO timestamp',
    '{"v":1,"eventType":"A","timestamp":"2023-11-14T22:13:20Z"}',
    'invalid-timestamp',
    'parsed-event: the event (A): "timestamp" must be epoch milliseconds, got "2023-11-14T22:13:20Z"',
  ],
  [
    'a nested attribute',
    '{"v":1,"eventType":"A","timestamp":1,"user":{"id":1}}',
    'invalid-attribute',
    'parsed-event: the event (A): attribute "user" must be a string, number, boolean or null, got an object',
  ],
];

for (const [what, json, reason, message] of failures) {
  test(`throws ${reason} for ${what}`, (t) => {
    const error = t.throws(() => decodeParsedEvent(Buffer.from(json)), { instanceOf: DecodeError });
    t.is(error?.reason, reason);
    t.true(error?.message.startsWith(message), error?.message);
  });
}
