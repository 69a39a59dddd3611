import test from 'ava';
import fc from 'fast-check';
import stringify from 'fast-json-stable-stringify';
import { CanonicalJsonWriter, canonicalJson } from '../../../protocols/json/canonical-json.ts';
import { assertProperty } from './typed-outcome.ts';

/** Values as snapshots hold them: JSON, with undefined and function members, non-finite numbers, dates and keys in any order. */
const stateLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, () => 1),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** Whether any object in the JSON text has a key JavaScript orders as an array index. */
const hasIndexKeys = (text: string): boolean => {
  let found = false;
  JSON.parse(text, (key, item: unknown) => {
    if (/^(0|[1-9]\d*)$/.test(key) && key.length < 10) found ||= true;
    return item;
  });
  return found;
};

test('canonicalJson gives one text per value whatever its key order: the value fast-json-stable-stringify writes, and its very text unless keys look like indexes', (t) => {
  assertProperty(
    t,
    fc.property(stateLike, (value) => {
      const text = canonicalJson(value);
      const stable = stringify(value) as string | undefined;
      if (text === undefined || stable === undefined) return text === stable;
      // Index-like keys ("0", "12") come first in numeric order, as JavaScript enumerates them; every other key in sorted order.
      if (!hasIndexKeys(stable) && text !== stable) return false;
      if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(JSON.parse(canonicalJson(JSON.parse(stable))!))) return false;
      const reversed = JSON.parse(JSON.stringify(value, (_key, item: unknown) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).reverse()) : item)));
      return canonicalJson(reversed) === text;
    }),
    500,
  );
});

test('canonicalJson refuses a cycle with a TypeError, as JSON.stringify does', (t) => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  t.throws(() => canonicalJson(cyclic), { instanceOf: TypeError });
  const shared = { x: 1 };
  t.is(canonicalJson({ b: shared, a: shared }), '{"a":{"x":1},"b":{"x":1}}', 'a value met twice, not in a cycle, is written twice');
});

/** The text before the writer existed (a sorted copy handed to JSON.stringify): snapshots written by earlier versions keep their bytes. */
function sortedCopyText(value: unknown): string | undefined {
  const copy = (item: unknown): unknown => {
    if (item === null || typeof item !== 'object') return item;
    if (typeof (item as { toJSON?: unknown }).toJSON === 'function') return copy((item as { toJSON(): unknown }).toJSON());
    if (Array.isArray(item)) return item.map(copy);
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(item).sort()) {
      const member = (item as Record<string, unknown>)[key];
      if (member !== undefined && typeof member !== 'function') sorted[key] = copy(member);
    }
    return sorted;
  };
  return JSON.stringify(copy(value));
}

test('the writer writes, in pieces of any size, the very text a sorted copy gave JSON.stringify', (t) => {
  const withIndexKeys = fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.nat({ max: 40 }).map(String), fc.constant('4294967295')), stateLike, { maxKeys: 6 });
  assertProperty(
    t,
    fc.property(fc.oneof(stateLike, withIndexKeys), fc.integer({ min: 1, max: 7 }), (value, piece) => {
      const expected = sortedCopyText(value);
      if (canonicalJson(value) !== expected) return false;
      const writer = new CanonicalJsonWriter(value);
      let text = '';
      while (!writer.done) text += writer.write(piece);
      return expected === undefined ? text === '' : text === expected;
    }),
    500,
  );
});

test('the writer walks a value 100,000 levels deep without the call stack', (t) => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { a: deep };
  const text = canonicalJson(deep)!;
  t.is(text.length, 50_000 * '[{"a":]}'.length + 1);
  t.true(text.startsWith('{"a":[{"a":['));
});
