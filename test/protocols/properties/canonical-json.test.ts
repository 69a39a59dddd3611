import test from 'ava';
import fc from 'fast-check';
import stringify from 'fast-json-stable-stringify';
import { canonicalJson } from '../../../protocols/json/canonical-json.ts';
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
