import test from 'ava';
import { parseQuery } from '../../../protocols/nrql/index.ts';
import { QuerySyntaxError } from '../../../protocols/errors.ts';
import { MAX_CONDITION_DEPTH } from '../../../protocols/nrql/where-parser.ts';

const PREFIX = 'SELECT count(*) FROM PageView WHERE ';

test('a condition of 20,000 nested parentheses is a positioned syntax error, not a stack overflow', (t) => {
  const error = t.throws(() => parseQuery(`${PREFIX}${'('.repeat(20_000)}a = 1${')'.repeat(20_000)}`), { instanceOf: QuerySyntaxError });
  t.is(error!.position, PREFIX.length + MAX_CONDITION_DEPTH);
  t.regex(error!.message, /nested at most 64 deep/);
  t.true(error!.message.length < 1000, `the message quotes the query in short (${error!.message.length} characters)`);
  t.throws(() => parseQuery(`${PREFIX}${'NOT '.repeat(20_000)}a = 1`), { instanceOf: QuerySyntaxError, message: /nested at most 64 deep/ });
});

test('conditions nested up to the limit still parse', (t) => {
  const query = parseQuery(`${PREFIX}${'('.repeat(MAX_CONDITION_DEPTH)}a = 1${')'.repeat(MAX_CONDITION_DEPTH)}`);
  t.deepEqual(query.where, { kind: 'compare', attribute: 'a', operator: '=', value: 1 });
});

test('a syntax error quotes a huge token and a long line in short', (t) => {
  const error = t.throws(() => parseQuery(`SELECT count(*) FROM PageView WHERE a = 1 ${'x'.repeat(100_000)}`), { instanceOf: QuerySyntaxError });
  t.true(error!.message.length < 500, error!.message.slice(0, 300));
  t.regex(error!.message, /\(100000 characters\)/);
});
