import { readFileSync } from 'node:fs';
import test from 'ava';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeDeadLetter, encodeDeadLetter, type DeadLetter } from '../../../protocols/dead-letter/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/dead-letter/${name}`, import.meta.url));

const withChange = (change: (value: Record<string, any>) => void): Buffer => {
  const value = JSON.parse(fixture('valid.json').toString());
  change(value);
  return Buffer.from(JSON.stringify(value));
};

test('decodes the fixture dead letter with its original bytes from base64', (t) => {
  const letter = decodeDeadLetter(fixture('valid.json'));
  t.like(letter, { v: 1, stage: 'parse', reason: 'malformed-json', source: { topic: 'events.raw', partition: 2, offset: 981 }, at: 1700000005000 });
  t.is(letter.message, 'event-batch: the record is not valid JSON (Unexpected end of JSON input)');
  t.is(letter.original?.toString(), '[{"eventType":"PageView"');
});

test('decodes a dead letter without original bytes', (t) => {
  const letter = decodeDeadLetter(fixture('no-original.json'));
  t.is(letter.original, null);
  t.is(letter.reason, 'late');
});

test('round-trips binary originals and null', (t) => {
  const letter: DeadLetter = {
    v: 1,
    stage: 'parse',
    reason: 'corrupt-gzip',
    message: 'event-batch: the batch starts like gzip but does not inflate',
    source: { topic: 'events.raw', partition: 0, offset: 5 },
    original: Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0x10]),
    at: 1700000000000,
  };
  t.deepEqual(decodeDeadLetter(encodeDeadLetter(letter)), letter);
  t.deepEqual(decodeDeadLetter(encodeDeadLetter({ ...letter, original: null })), { ...letter, original: null });
  t.deepEqual(encodeDeadLetter(decodeDeadLetter(fixture('valid.json'))).toString() + '\n', fixture('valid.json').toString());
});

const failures: [string, (value: Record<string, any>) => void, string, string][] = [
  ['an original that is not base64', (v) => (v.original = 'not base64!'), 'invalid-field', 'dead-letter: field "original" must be base64 or null'],
  ['a missing original', (v) => delete v.original, 'missing-field', 'dead-letter: field "original" is missing'],
  ['an empty stage', (v) => (v.stage = ''), 'invalid-field', 'dead-letter: field "stage" must not be empty'],
  ['a source without offset', (v) => delete v.source.offset, 'missing-field', 'dead-letter: field "source.offset" is missing'],
  ['a time that is a string', (v) => (v.at = 'now'), 'invalid-field', 'dead-letter: field "at" must be a finite number, got a string'],
  ['another version', (v) => (v.v = '1'), 'unsupported-version', 'dead-letter: field "v" is "1", this decoder reads version 1'],
];

for (const [what, change, reason, message] of failures) {
  test(`throws ${reason} for ${what}`, (t) => {
    const error = t.throws(() => decodeDeadLetter(withChange(change)), { instanceOf: DecodeError });
    t.is(error?.reason, reason);
    t.is(error?.message, message);
  });
}

test('throws malformed-json and not-an-object for unreadable records', (t) => {
  t.is(t.throws(() => decodeDeadLetter(Buffer.from('')), { instanceOf: DecodeError })?.reason, 'malformed-json');
  t.is(t.throws(() => decodeDeadLetter(Buffer.from('42')), { instanceOf: DecodeError })?.reason, 'not-an-object');
});

test('decodes a dead letter whose original is several megabytes (written by another writer: the encoder keeps 256 KiB)', (t) => {
  const original = Buffer.alloc(6 * 1024 * 1024, 7);
  const json = JSON.stringify({ v: 1, stage: 'parse', reason: 'oversized', message: 'too big', source: { topic: 'events.raw', partition: 0, offset: 1 }, original: original.toString('base64'), at: 1 });
  const letter = decodeDeadLetter(Buffer.from(json));
  t.true(letter.original?.equals(original));
});

test('a dead letter bounds its message, stage and reason', (t) => {
  const letter = decodeDeadLetter(encodeDeadLetter({ v: 1, stage: 's'.repeat(1000), reason: 'r'.repeat(1000), message: 'm'.repeat(3_000_000), source: { topic: 'events.raw', partition: 0, offset: 1 }, original: null, at: 1 }));
  t.true(letter.message.length < 4200);
  t.regex(letter.message, /cut from 3000000 characters/);
  t.true(letter.stage.length < 300 && letter.reason.length < 300);
});

test('every field of an encoded dead letter is bounded: an original of 1 MiB keeps its first 256 KiB', (t) => {
  const original = Buffer.alloc(1024 * 1024, 0x61);
  const letter = decodeDeadLetter(encodeDeadLetter({ v: 1, stage: 'table.queries', reason: 'invalid-query', message: 'm'.repeat(10_000), source: { topic: 'queries', partition: 0, offset: 3 }, original, at: 1 }));
  t.is(letter.original!.length, 256 * 1024);
  t.deepEqual(letter.original, original.subarray(0, 256 * 1024));
  t.true(letter.message.length < 4200);
});
