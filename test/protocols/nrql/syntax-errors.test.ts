import test from 'ava';
import { QuerySyntaxError } from '../../../protocols/errors.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';

/** Parses `text`, expecting a syntax error; returns it for assertions. */
function syntaxErrorOf(t: import('ava').ExecutionContext, text: string): QuerySyntaxError {
  const error = t.throws(() => parseQuery(text), { instanceOf: QuerySyntaxError }, text);
  return error as QuerySyntaxError;
}

test('a non-aggregate select item names position and expectation, with a caret under the offending text', (t) => {
  const error = syntaxErrorOf(t, 'SELECT foo FROM T');
  t.is(error.position, 7);
  t.is(error.expected, 'an aggregate function such as count(*)');
  t.is(
    error.message,
    "Expected an aggregate function such as count(*) at position 7, found 'foo'\n" +
      '  SELECT foo FROM T\n' +
      '         ^',
  );
});

test('a missing FROM is reported where FROM should be', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) WHERE x = 1');
  t.is(error.position, 16);
  t.is(error.expected, 'FROM');
  t.true(error.message.startsWith("Expected FROM at position 16, found 'WHERE'"));
});

test('a query that stops after the select list expects FROM at the end', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*)');
  t.is(error.position, 15);
  t.true(error.message.startsWith('Expected FROM at position 15, found end of query'));
});

test('two select items without a comma expect a comma or FROM', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) sum(x) FROM T');
  t.is(error.position, 16);
  t.is(error.expected, "',' or FROM");
});

test('a trailing comma in the select list expects another aggregate', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*), FROM T');
  t.is(error.position, 17);
  t.regex(error.message, /^Expected an aggregate function such as count\(\*\) at position 17, found 'FROM'/);
});

test('a trailing comma in FACET expects another attribute at the end of the query', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) FROM T FACET host,');
  t.is(error.position, 34);
  t.is(error.expected, 'an attribute name');
  t.regex(error.message, /found end of query/);
});

test('an unterminated string points at its opening quote', (t) => {
  const error = syntaxErrorOf(t, "SELECT count(*) FROM T WHERE appName = 'shop");
  t.is(error.position, 39);
  t.is(error.expected, "a closing ' to end the string started here");
  t.true(error.message.endsWith("  SELECT count(*) FROM T WHERE appName = 'shop\n" + ' '.repeat(2 + 39) + '^'));
});

test('an unknown clause lists the clauses that may come there', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) FROM T SINCE 1 hour ago');
  t.is(error.position, 23);
  t.is(error.expected, "',', WHERE, FACET, LIMIT, TIMESERIES, WITH LATENESS or end of query");
  t.regex(error.message, /found 'SINCE'/);
});

test('after WHERE, an unknown word expects AND, OR or the remaining clauses', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a = 1 FACET b GROUP BY c');
  t.is(error.position, 43);
  t.is(error.expected, "',', LIMIT, TIMESERIES, WITH LATENESS or end of query");
  const afterWhere = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a = 1 b = 2');
  t.is(afterWhere.position, 35);
  t.is(afterWhere.expected, 'AND, OR, FACET, LIMIT, TIMESERIES, WITH LATENESS or end of query');
});

test('a clause given twice is a syntax error at its second occurrence', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) FROM T FACET a LIMIT 5 FACET b');
  t.is(error.position, 39);
  t.regex(error.message, /found a second FACET clause/);
});

test('count takes * or an attribute; other functions need an attribute', (t) => {
  t.is(syntaxErrorOf(t, 'SELECT count() FROM T').expected, "'*' or an attribute name");
  const sum = syntaxErrorOf(t, 'SELECT sum(*) FROM T');
  t.is(sum.position, 11);
  t.is(sum.expected, 'an attribute name');
});

test('percentile needs at least one percentile value', (t) => {
  const error = syntaxErrorOf(t, 'SELECT percentile(duration) FROM T');
  t.is(error.position, 26);
  t.is(error.expected, "',' and a percentile such as 95");
});

test('WHERE errors: a missing value, NULL compared with =, an unclosed parenthesis, a bad operator', (t) => {
  const missingValue = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a =');
  t.is(missingValue.position, 32);
  t.is(missingValue.expected, 'a string, number, true or false');
  const nullCompare = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a = NULL');
  t.regex(nullCompare.expected, /IS NULL/);
  const unclosed = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE (a = 1 OR b = 2');
  t.is(unclosed.position, 44);
  t.is(unclosed.expected, "AND, OR or ')'");
  const badOperator = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a == 1');
  t.is(badOperator.position, 32);
  const noPredicate = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a');
  t.regex(noPredicate.expected, /a comparison .*IN.*LIKE.*IS NULL/);
  const likeNumber = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a LIKE 5');
  t.regex(likeNumber.expected, /pattern in single quotes/);
});

test('a reserved word cannot be a bare name', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) FROM T FACET limit');
  t.is(error.position, 29);
  t.is(error.expected, 'an attribute name');
});

test('a time unit is required after a non-zero number', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) FROM T TIMESERIES 5 weeks');
  t.is(error.position, 36);
  t.regex(error.expected, /time unit/);
});

test('an unexpected character is reported where it stands', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*) FROM T WHERE a = "x"');
  t.is(error.position, 33);
  t.regex(error.message, /found '"'/);
});

test('a query that does not start with SELECT', (t) => {
  const error = syntaxErrorOf(t, '  FROM T SELECT count(*)');
  t.is(error.position, 2);
  t.is(error.expected, 'SELECT');
});

test('on a multi-line query the caret line shows only the line at fault', (t) => {
  const error = syntaxErrorOf(t, 'SELECT count(*)\nFROM T\nWHERE a = ');
  t.is(error.position, 33);
  t.true(error.message.endsWith('\n  WHERE a = \n' + ' '.repeat(2 + 10) + '^'));
});
