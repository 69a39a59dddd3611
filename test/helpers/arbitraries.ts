/**
 * fast-check arbitraries of hostile input for the decoders of `protocols/`,
 * and the seeded parameters every property test runs with.
 *
 * A decoder's input is bytes a stranger wrote, so the arbitraries cover what
 * a hostile or broken producer sends: random bytes, invalid UTF-8, gzip of
 * garbage, JSON nested 100,000 levels deep, strings of megabytes, valid
 * records cut short or with a part replaced. Big inputs are built from
 * small random parts (a run of `[`, a repeated chunk), so generating them
 * costs little and a run stays fast.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { AttributeValue, Event } from '../../protocols/event.ts';

const DEFAULT_SEED = 20_240_909;

/**
 * The seed of every property run: fixed so that a run repeats, unless
 * `FC_SEED` says otherwise. fast-check prints the seed and the path of a
 * failure, so `FC_SEED=<seed> npx ava <file>` replays it.
 */
export const propertySeed: number = (() => {
  const text = process.env.FC_SEED;
  if (text === undefined || text === '') return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(text)}`);
  return seed;
})();

/** fast-check parameters: the run's seed and `numRuns` runs. */
export const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: propertySeed, numRuns });

/** Characters of an error message: anything longer embeds input it should have cut. */
export const MAX_ERROR_MESSAGE = 1000;

/** How deep the deep-nesting arbitraries go: the poison pill was 100,000 levels. */
export const DEEPEST = 100_000;

/** A string of exactly `length` characters made by repeating a short random one. */
export const longString = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.integer({ min: minLength, max: maxLength }))
    .map(([part, length]) => part.repeat(Math.ceil(length / part.length)).slice(0, length));

/** JSON text of arrays or objects nested `depth` levels around a leaf: `[[[1]]]`, `{"a":{"a":1}}`, or both mixed. */
export function nestedJsonText(depth: number, kind: 'array' | 'object' | 'mixed', leaf = '1'): string {
  if (kind === 'array') return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
  const half = Math.floor(depth / 2);
  return `${'[{"a":'.repeat(half)}${leaf}${'}]'.repeat(half)}`;
}

/** JSON text nested up to `maxDepth` levels (by default as deep as the poison pill of issue 9). */
export const deepJsonText = (maxDepth = DEEPEST): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 1, max: maxDepth }), fc.constantFrom('array' as const, 'object' as const, 'mixed' as const), fc.boolean())
    .map(([depth, kind, unclosed]) => {
      const text = nestedJsonText(depth, kind);
      // Unclosed: the parser meets the whole depth before it finds the fault.
      return unclosed ? text.slice(0, text.length - 1) : text;
    });

/**
 * JSON text of one hostile value: deep nesting, a long string, numbers at the
 * edges of a double, lone surrogates, keys that name prototype members.
 * Kept to a few hundred kilobytes, so that many of them per run stay fast.
 */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.json({ maxDepth: 4 }), weight: 4 },
  { arbitrary: deepJsonText(), weight: 2 },
  { arbitrary: longString(1000, 300_000).map((text) => JSON.stringify(text)), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '1e400', '-1e400', '-0', '1e-400', '12345678901234567890123', '9007199254740993', '0.1', '-1',
      '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '""', 'true', 'null', '[]', '{}',
      '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":1}}', '{"toString":1,"hasOwnProperty":2}',
    ),
    weight: 3,
  },
);

/** Byte sequences that are not UTF-8: stray continuation bytes, overlong forms, surrogates, code points past U+10FFFF, cut sequences. */
export const invalidUtf8: fc.Arbitrary<Buffer> = fc
  .constantFrom(
    [0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3],
  )
  .map((bytes) => Buffer.from(bytes));

/** Random bytes (including the gzip magic number now and then). */
export const randomBytes = (maxLength = 4096): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes)),
    fc.uint8Array({ maxLength }).map((bytes) => Buffer.concat([Buffer.from([0x1f, 0x8b]), bytes])),
  );

/** Gzip of random bytes, whole or cut short or with a byte changed. */
export const randomGzip: fc.Arbitrary<Buffer> = fc
  .tuple(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom('whole' as const, 'cut' as const, 'flipped' as const), fc.nat(), fc.integer({ min: 1, max: 255 }))
  .map(([content, damage, at, xor]) => {
    const gzip = gzipSync(content);
    if (damage === 'whole') return gzip;
    if (damage === 'cut') return gzip.subarray(0, at % gzip.length);
    const flipped = Buffer.from(gzip);
    flipped[at % flipped.length] ^= xor;
    return flipped;
  });

/** A valid record cut at a random byte. */
export const truncated = (record: Buffer): fc.Arbitrary<Buffer> => fc.nat({ max: Math.max(0, record.length - 1) }).map((length) => record.subarray(0, length));

/** A valid record with random bytes changed, inserted (invalid UTF-8 among them) or removed. */
export const mutatedBytes = (record: Buffer): fc.Arbitrary<Buffer> =>
  fc
    .array(
      fc.tuple(fc.constantFrom('set' as const, 'insert' as const, 'delete' as const), fc.nat(), fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) => Buffer.from(bytes)), invalidUtf8)),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let bytes = Buffer.from(record);
      for (const [edit, at, part] of edits) {
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (edit === 'set' && bytes.length > 0) bytes[i] = part[0];
        else if (edit === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), part, bytes.subarray(i)]);
        else bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
      }
      return bytes;
    });

/** Every place inside a parsed JSON value, as a path of keys and indices. */
function pathsOf(value: unknown): (string | number)[][] {
  const paths: (string | number)[][] = [[]];
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (Array.isArray(node)) node.forEach((child, i) => { paths.push([...path, i]); visit(child, [...path, i]); });
    else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) { paths.push([...path, key]); visit(child, [...path, key]); }
    }
  };
  visit(value, []);
  return paths;
}

const HOLE = '\u0000hole\u0000';

/**
 * A valid JSON record with one place replaced by a hostile value, removed,
 * or given a hostile sibling. The hostile text is spliced into the JSON, so
 * a value nested 100,000 deep never has to be serialised by the test itself.
 */
export const mutatedJson = (record: Buffer): fc.Arbitrary<Buffer> => {
  const value: unknown = JSON.parse(record.toString('utf8'));
  const paths = pathsOf(value);
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom('replace' as const, 'remove' as const, 'add' as const), hostileJsonText, fc.string({ maxLength: 12 }))
    .map(([path, edit, hostile, key]) => {
      const copy = structuredClone(value) as unknown;
      if (path.length === 0) return Buffer.from(edit === 'remove' ? '' : hostile, 'utf8');
      const parent = path.slice(0, -1).reduce<any>((node, step) => node[step], copy);
      const last = path[path.length - 1];
      if (edit === 'replace') parent[last] = HOLE;
      else if (edit === 'remove') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
      else if (Array.isArray(parent)) parent.push(HOLE);
      else Object.defineProperty(parent, key, { value: HOLE, enumerable: true, writable: true, configurable: true });
      return Buffer.from(JSON.stringify(copy).replace(JSON.stringify(HOLE), () => hostile), 'utf8');
    });
};

/**
 * Hostile records around some valid ones: random bytes, gzip of garbage,
 * JSON deep or huge, the valid records cut, with bytes changed, with a field
 * replaced by a hostile value, with invalid UTF-8 in them.
 */
export const hostileRecord = (validRecords: readonly Buffer[]): fc.Arbitrary<Buffer> => {
  const valid = fc.constantFrom(...validRecords);
  const json = validRecords.filter(isJson);
  return fc.oneof(
    { arbitrary: randomBytes(), weight: 2 },
    { arbitrary: randomGzip, weight: 1 },
    { arbitrary: hostileJsonText.map((text) => Buffer.from(text, 'utf8')), weight: 2 },
    { arbitrary: valid.chain(truncated), weight: 2 },
    { arbitrary: valid.chain(mutatedBytes), weight: 2 },
    ...(json.length === 0 ? [] : [{ arbitrary: fc.constantFrom(...json).chain(mutatedJson), weight: 6 }]),
  );
};

function isJson(record: Buffer): boolean {
  try {
    JSON.parse(record.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** A finite double other than -0 (JSON writes -0 as 0, so it cannot survive a round trip). */
export const finiteNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -1e15, max: 1e15 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
);

/** An event attribute value: string, finite number, boolean or null. */
export const attributeValue: fc.Arbitrary<AttributeValue> = fc.oneof(fc.string(), finiteNumber, fc.boolean(), fc.constant(null));

/** An attribute name other than the event's own fields (and `v`, the parsed events' version), `__proto__` included now and then. */
export const attributeName: fc.Arbitrary<string> = fc
  .oneof({ arbitrary: fc.string({ maxLength: 20 }), weight: 9 }, { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString'), weight: 1 })
  .filter((name) => name !== 'eventType' && name !== 'timestamp' && name !== 'v');

/** Attributes as a decoder returns them: own data properties, `__proto__` among them. */
export const attributes: fc.Arbitrary<Record<string, AttributeValue>> = fc
  .array(fc.tuple(attributeName, attributeValue), { maxLength: 8 })
  .map((entries) => Object.fromEntries(entries));

/** A valid event. */
export const event: fc.Arbitrary<Event> = fc.record(
  { eventType: fc.string({ minLength: 1, maxLength: 20 }), timestamp: finiteNumber, attributes },
  { noNullPrototype: true },
);

/**
 * A JSON value nested `depth` levels deep in memory, built without recursion
 * (so that the test can make one deeper than the stack allows).
 */
export function nestedValue(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}
