import { deepStrictEqual, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { QuerySyntaxError, QueryValidationError } from '../../../protocols/errors.ts';
import type { ComparisonOperator, Condition, Literal, QueryDefinition, SelectItem } from '../../../protocols/nrql/index.ts';
import { compileCondition, parseQuery, queryLimits } from '../../../protocols/nrql/index.ts';
import { MAX_CONDITION_DEPTH } from '../../../protocols/nrql/where-parser.ts';
import { event, finiteNumber, longString } from '../../helpers/arbitraries.ts';
import { assertProperty, parseOutcome } from './typed-outcome.ts';

const RESERVED = new Set(['select', 'from', 'where', 'facet', 'limit', 'timeseries', 'with', 'and', 'or', 'not', 'in', 'like', 'is', 'null', 'as', 'true', 'false']);
const PREFIX = 'SELECT count(*) FROM PageView WHERE ';

/** Upper or lower case, letter by letter: keywords are case-insensitive. */
const anyCase = (word: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

/** A name as written and as the parser reads it: a bare word, or anything between backticks. */
interface Name { readonly text: string; readonly value: string }
const bareName: fc.Arbitrary<Name> = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,12}$/)
  .filter((word) => !RESERVED.has(word.toLowerCase()))
  .map((word) => ({ text: word, value: word }));
const quotedName: fc.Arbitrary<Name> = fc.string({ minLength: 1, maxLength: 12 }).map((value) => ({ text: `\`${value.replaceAll('`', '``')}\``, value }));
const name: fc.Arbitrary<Name> = fc.oneof({ arbitrary: bareName, weight: 3 }, { arbitrary: quotedName, weight: 1 });

/** A string literal: a quote inside written `''` or `\'`, a backslash `\\`. */
const stringLiteral: fc.Arbitrary<{ text: string; value: string }> = fc
  .tuple(fc.string({ maxLength: 16 }), fc.boolean())
  .map(([value, doubled]) => ({ text: `'${value.replaceAll('\\', '\\\\').replaceAll("'", doubled ? "''" : "\\'")}'`, value }));

const literal: fc.Arbitrary<{ text: string; value: Literal }> = fc.oneof(
  stringLiteral,
  finiteNumber.map((n) => ({ text: String(n), value: n })),
  fc.boolean().chain((b) => anyCase(String(b)).map((text) => ({ text, value: b }))),
);

const OPERATORS: Record<string, ComparisonOperator> = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** A condition as written, with what it parses to. */
interface Written<T> { readonly text: string; readonly value: T }

const predicate: fc.Arbitrary<Written<Condition>> = fc.oneof<fc.Arbitrary<Written<Condition>>[]>(
  fc.tuple(name, fc.constantFrom(...Object.keys(OPERATORS)), literal).map(([attribute, op, lit]) => ({
    text: `${attribute.text} ${op} ${lit.text}`,
    value: { kind: 'compare', attribute: attribute.value, operator: OPERATORS[op], value: lit.value },
  })),
  fc.tuple(name, fc.boolean(), fc.array(literal, { minLength: 1, maxLength: 4 })).map(([attribute, negated, values]) => ({
    text: `${attribute.text} ${negated ? 'NOT ' : ''}IN (${values.map((v) => v.text).join(', ')})`,
    value: { kind: 'in', attribute: attribute.value, values: values.map((v) => v.value), negated },
  })),
  fc.tuple(name, fc.boolean(), stringLiteral).map(([attribute, negated, pattern]) => ({
    text: `${attribute.text} ${negated ? 'not like' : 'LIKE'} ${pattern.text}`,
    value: { kind: 'like', attribute: attribute.value, pattern: pattern.value, negated },
  })),
  fc.tuple(name, fc.boolean()).map(([attribute, negated]) => ({
    text: `${attribute.text} IS ${negated ? 'NOT ' : ''}NULL`,
    value: { kind: 'isNull', attribute: attribute.value, negated },
  })),
);

const parenthesised = (written: Written<Condition>): Written<Condition> => ({ text: `(${written.text})`, value: written.value });

/** Conditions as the parser returns them: an `and` holds no `and`, an `or` no `or` (they are flattened). */
const { condition } = fc.letrec<{ condition: Written<Condition> }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    predicate,
    tie('condition').map((operand) => ({
      text: `NOT ${operand.value.kind === 'and' || operand.value.kind === 'or' ? `(${operand.text})` : operand.text}`,
      value: { kind: 'not', operand: operand.value } as Condition,
    })),
    fc.tuple(fc.constantFrom('and' as const, 'or' as const), fc.array(fc.tuple(tie('condition'), fc.boolean()), { minLength: 2, maxLength: 4 })).map(([kind, operands]) => {
      const flat: Condition[] = [];
      const texts: string[] = [];
      for (const [operand, extraParentheses] of operands) {
        if (operand.value.kind === kind) flat.push(...operand.value.operands);
        else flat.push(operand.value);
        // An OR inside an AND needs parentheses; any other operand may have them.
        const needs = kind === 'and' && operand.value.kind === 'or';
        texts.push(needs || extraParentheses ? parenthesised(operand).text : operand.text);
      }
      return { text: texts.join(` ${kind.toUpperCase()} `), value: { kind, operands: flat } as Condition };
    }),
  ),
}));

const FUNCTIONS = ['count', 'sum', 'average', 'min', 'max', 'uniqueCount', 'percentile'] as const;

const label: fc.Arbitrary<Written<string> | null> = fc.option(
  fc.oneof(stringLiteral, name).filter((l) => l.value.trim() !== ''),
  { nil: null },
);

const selectItem: fc.Arbitrary<Written<SelectItem[]>> = fc
  .tuple(fc.constantFrom(...FUNCTIONS), fc.option(name, { nil: null }), fc.array(fc.integer({ min: 0, max: 1000 }).map((n) => n / 10), { minLength: 1, maxLength: 3 }), label)
  .chain(([fn, attribute, percentiles, as]) =>
    anyCase(fn).map((written) => {
      const attr = fn === 'count' ? attribute : attribute ?? { text: 'a', value: 'a' };
      const args = fn === 'percentile' ? `${attr!.text}, ${percentiles.join(', ')}` : attr?.text ?? '*';
      const text = `${written}(${args})${as === null ? '' : ` AS ${as.text}`}`;
      if (fn !== 'percentile') return { text, value: [{ fn, attribute: attr?.value ?? null, label: as?.value ?? `${fn}(${attr?.value ?? '*'})` }] };
      const items = percentiles.map((percentile) => ({
        fn,
        attribute: attr!.value,
        percentile,
        label: as === null ? `percentile(${attr!.value}, ${percentile})` : percentiles.length === 1 ? as.value : `${as.value} (${percentile})`,
      }));
      return { text, value: items };
    }),
  );

const UNITS = { second: 1000, seconds: 1000, sec: 1000, secs: 1000, minute: 60_000, minutes: 60_000, min: 60_000, mins: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 } as const;

/** `n unit` of whole milliseconds within `[minMs, maxMs]`, or a bare unit. */
const duration = (minMs: number, maxMs: number): fc.Arbitrary<Written<number>> =>
  fc
    .constantFrom(...(Object.keys(UNITS) as (keyof typeof UNITS)[]))
    .filter((unit) => UNITS[unit] <= maxMs)
    .chain((unit) =>
      fc.tuple(anyCase(unit), fc.option(fc.integer({ min: Math.ceil((2 * minMs) / UNITS[unit]), max: Math.floor((2 * maxMs) / UNITS[unit]) }), { nil: null })).map(([word, halves]) =>
        halves === null ? { text: word, value: UNITS[unit] } : { text: `${halves / 2} ${word}`, value: (halves / 2) * UNITS[unit] },
      ),
    )
    .filter((d) => d.value >= minMs && Number.isInteger(d.value));

interface Query { readonly text: string; readonly expected: Omit<QueryDefinition, 'text'> }

const query: fc.Arbitrary<Query> = fc
  .record({
    select: fc.array(selectItem, { minLength: 1, maxLength: 3 }),
    from: fc.array(name, { minLength: 1, maxLength: 3 }),
    where: fc.option(condition, { nil: null }),
    facet: fc.option(fc.array(name, { minLength: 1, maxLength: 3 }), { nil: null }),
    limit: fc.option(fc.oneof(fc.integer({ min: 1, max: queryLimits.maxFacetLimit }).map((n) => ({ text: String(n), value: n })), anyCase('max').map((text) => ({ text, value: queryLimits.maxFacetLimit }))), { nil: null }),
    window: fc.option(fc.option(duration(queryLimits.minWindowMs, queryLimits.maxWindowMs), { nil: null }), { nil: undefined }),
    lateness: fc.option(fc.oneof(duration(1, queryLimits.maxLatenessMs), fc.constant({ text: '0', value: 0 })), { nil: null }),
    order: fc.shuffledSubarray(['where', 'facet', 'limit', 'window', 'lateness'], { minLength: 5, maxLength: 5 }),
    space: fc.constantFrom(' ', '\n', '\t', '   ', ' \r\n '),
    semicolon: fc.boolean(),
  })
  .map((q) => {
    const clauses: Record<string, string | null> = {
      where: q.where === null ? null : `WHERE ${q.where.text}`,
      facet: q.facet === null ? null : `FACET ${q.facet.map((n) => n.text).join(', ')}`,
      limit: q.limit === null ? null : `LIMIT ${q.limit.text}`,
      window: q.window === undefined ? null : `TIMESERIES${q.window === null ? '' : ` ${q.window.text}`}`,
      lateness: q.lateness === null ? null : `WITH LATENESS ${q.lateness.text}`,
    };
    const parts = [`SELECT ${q.select.map((s) => s.text).join(', ')}`, `FROM ${q.from.map((n) => n.text).join(',')}`, ...q.order.map((c) => clauses[c]).filter((c) => c !== null)];
    const text = parts.join(q.space) + (q.semicolon ? ';' : '');
    return {
      text,
      expected: {
        select: q.select.flatMap((s) => s.value),
        from: [...new Set(q.from.map((n) => n.value))],
        where: q.where?.value ?? null,
        facet: [...new Set((q.facet ?? []).map((n) => n.value))],
        facetLimit: q.limit?.value ?? queryLimits.defaultFacetLimit,
        windowMs: q.window?.value ?? queryLimits.defaultWindowMs,
        latenessMs: q.lateness?.value ?? 0,
      },
    };
  })
  // Results are keyed by label, so a query whose labels repeat is refused; generate queries whose labels do not.
  .filter((q) => new Set(q.expected.select.map((s) => s.label)).size === q.expected.select.length);

test('a generated query parses into what it was made of: select, from, where, facet, limit, window and lateness', (t) => {
  assertProperty(t, fc.property(query, (q) => deepStrictEqual(parseQuery(q.text), { text: q.text, ...q.expected })), 400);
});

const TOKENS = [
  'SELECT', 'from', 'WHERE', 'facet', 'LIMIT', 'timeseries', 'WITH', 'lateness', 'AND', 'or', 'NOT', 'IN', 'like', 'IS', 'NULL', 'AS',
  'true', 'FALSE', 'max', 'count', 'percentile', 'uniqueCount', 'minute', 'days', '(', ')', ',', '*', '=', '<', '>', '<=', '>=', '!=', '<>',
  ';', "'", '`', '``', '1', '-1', '.5', '-.5e3', '1e400', '99999999999999999999999', 'a', 'b.c', '`q`', "'s'", "'%'", '\\', '"', '-', '.', '\u0000', '\ud800',
];

/** Words and symbols of NRQL in random order: most are syntax errors, some get deep into the parser before they fail. */
const tokenSoup: fc.Arbitrary<string> = fc
  .tuple(fc.boolean(), fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), fc.constantFrom(' ', '', '\n'))
  .map(([prefixed, tokens, space]) => `${prefixed ? PREFIX : ''}${tokens.join(space)}`);

/** A generated valid query with characters inserted, removed or replaced. */
const mutatedQuery: fc.Arbitrary<string> = fc
  .tuple(query, fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }))
  .map(([q, edits]) => {
    let text = q.text;
    for (const [at, edit, part] of edits) {
      const i = at % (text.length + 1);
      text = edit === 'insert' ? text.slice(0, i) + part + text.slice(i) : text.slice(0, i) + (edit === 'replace' ? part : '') + text.slice(i + 1);
    }
    return text;
  });

/** Parentheses and NOTs nested up to 20,000 deep, closed or not, with the condition inside or not. */
const deepCondition: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('(', 'NOT ', 'NOT (', '(NOT '), fc.boolean(), fc.boolean())
  .map(([depth, opener, inner, closed]) => {
    const closer = opener.includes('(') ? ')' : '';
    return `${PREFIX}${opener.repeat(depth)}${inner ? 'a = 1' : ''}${closed ? closer.repeat(depth) : ''}`;
  });

/** Huge tokens: a string literal, a name, a number, a word of megabytes, closed or not. */
const hugeToken: fc.Arbitrary<string> = fc
  .tuple(longString(10_000, 2_000_000), fc.constantFrom("'", '`', ''), fc.boolean(), fc.constantFrom(PREFIX + 'a = ', 'SELECT count(*) FROM ', 'SELECT ', 'SELECT count(*) FROM T LIMIT ', ''))
  .map(([body, quote, closed, prefix]) => `${prefix}${quote}${quote === '' ? body.replace(/[^A-Za-z0-9]/g, 'x') : body}${closed ? quote : ''}`);

const anyText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 2 },
  { arbitrary: tokenSoup, weight: 4 },
  { arbitrary: mutatedQuery, weight: 4 },
  { arbitrary: deepCondition, weight: 1 },
);

test('any text parses into a query, or is a positioned syntax error or a validation error, with a bounded message', (t) => {
  assertProperty(t, fc.property(anyText, (text) => void parseOutcome(text, () => parseQuery(text))), 600);
});

test('a query with a token of megabytes parses or is a typed error with a bounded message', (t) => {
  assertProperty(t, fc.property(hugeToken, (text) => void parseOutcome(text, () => parseQuery(text))), 20);
});

test('conditions nested up to 20,000 deep parse within the limit and are a syntax error beyond it', (t) => {
  assertProperty(
    t,
    fc.property(deepCondition, (text) => {
      const outcome = parseOutcome(text, () => parseQuery(text));
      if (outcome.ok) ok(text.length - PREFIX.length <= 12 * MAX_CONDITION_DEPTH, 'a condition deeper than the limit parsed');
    }),
    60,
  );
});

const junctionOf = (count: number, keyword: string): string => Array.from({ length: count }, (_, i) => `b = ${i}`).join(` ${keyword} `);

test('a WHERE of up to 300,000 predicates joined by AND or OR, inside parentheses or not, parses or is a typed error', (t) => {
  assertProperty(
    t,
    fc.property(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom('AND', 'OR'), fc.boolean(), (count, keyword, parenthesised) => {
      const text = `${PREFIX}a = 1 ${keyword} ${parenthesised ? `(${junctionOf(count, keyword)})` : junctionOf(count, keyword)}`;
      const outcome = parseOutcome(text, () => parseQuery(text));
      ok(outcome.ok, 'a wide condition is a valid query');
    }),
    8,
  );
});

test('a condition of 200,000 predicates in parentheses is flattened, not a stack overflow', (t) => {
  const query = parseQuery(`${PREFIX}a = 1 AND (${junctionOf(200_000, 'AND')})`);
  t.is(query.where?.kind, 'and');
  t.is(query.where?.kind === 'and' ? query.where.operands.length : 0, 200_001);
});

test('a compiled condition evaluates like the condition it was made of', (t) => {
  assertProperty(
    t,
    fc.property(condition, event, (written, e) => {
      const parsed = parseQuery(`${PREFIX}${written.text}`).where!;
      deepStrictEqual(compileCondition(parsed)(e), compileCondition(written.value)(e));
    }),
    300,
  );
});

test('validation errors quote a huge token in short', (t) => {
  const huge = '9'.repeat(1_000_000);
  for (const text of [
    `SELECT count(*) FROM T LIMIT ${huge}`,
    `SELECT percentile(d, ${huge}) FROM T`,
    `SELECT ${'x'.repeat(1_000_000)}(a) FROM T`,
    `SELECT count(*) AS '${'l'.repeat(1_000_000)}', sum(a) AS '${'l'.repeat(1_000_000)}' FROM T`,
    `SELECT count(*) FROM T TIMESERIES 1${'0'.repeat(1_000)}.5 seconds`,
  ]) {
    const error = t.throws(() => parseQuery(text), { instanceOf: QueryValidationError });
    t.true(error!.message.length < 500, `${error!.message.length} characters: ${error!.message.slice(0, 80)}`);
  }
  t.throws(() => parseQuery(`SELECT count(*) FROM T WHERE a = '${'s'.repeat(1_000_000)}`), { instanceOf: QuerySyntaxError });
});
