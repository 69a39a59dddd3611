import { QueryValidationError } from '../errors.ts';
import type { Condition, QueryDefinition } from './ast.ts';
import { TokenCursor } from './cursor.ts';
import { quoteInShort } from './lexer.ts';
import { durationLimits, parseDuration } from './duration.ts';
import { parseSelectList } from './select-parser.ts';
import { parseCondition } from './where-parser.ts';

/** Defaults and bounds of the optional clauses. */
export const queryLimits = {
  /** @default 100 */
  defaultFacetLimit: 100,
  maxFacetLimit: 10_000,
  /** @default 1 minute */
  defaultWindowMs: durationLimits.MINUTE,
  minWindowMs: durationLimits.SECOND,
  maxWindowMs: durationLimits.DAY,
  maxLatenessMs: 7 * durationLimits.DAY,
} as const;

type Clause = 'where' | 'facet' | 'limit' | 'timeseries' | 'with';
const CLAUSES: readonly Clause[] = ['where', 'facet', 'limit', 'timeseries', 'with'];
const CLAUSE_NAMES: Record<Clause, string> = {
  where: 'WHERE', facet: 'FACET', limit: 'LIMIT', timeseries: 'TIMESERIES', with: 'WITH LATENESS',
};

/**
 * Parses and validates an NRQL query.
 *
 * Clauses after FROM may come in any order, each at most once. Keywords are
 * case-insensitive; names may be backtick-quoted.
 *
 * @throws QuerySyntaxError with the position and what was expected there.
 * @throws QueryValidationError when the query parses but cannot run (unknown function, window out of range...).
 * @example
 * ```ts
 * const query = parseQuery("SELECT count(*), percentile(duration, 95) FROM Transaction WHERE appName = 'shop' FACET host TIMESERIES 1 minute");
 * query.select[1].label; // 'percentile(duration, 95)'
 * query.windowMs;        // 60000
 * ```
 */
export function parseQuery(text: string): QueryDefinition {
  if (typeof text !== 'string') throw new QueryValidationError('A query must be a string of NRQL');
  const cursor = new TokenCursor(text);
  cursor.expectKeyword('select', 'SELECT');
  const select = parseSelectList(cursor);
  if (!cursor.atKeyword('from')) throw cursor.syntaxError(atClauseBoundary(cursor) ? 'FROM' : "',' or FROM");
  cursor.next();
  const from = parseNameList(cursor, 'an event type');

  let where: Condition | null = null;
  let facet: string[] = [];
  let facetLimit: number = queryLimits.defaultFacetLimit;
  let windowMs: number = queryLimits.defaultWindowMs;
  let latenessMs = 0;
  const seen = new Set<Clause>();
  let continuation = "','"; // what else could follow the clause just parsed

  while (!atEnd(cursor)) {
    const token = cursor.peek();
    const clause = CLAUSES.find((name) => cursor.isKeyword(token, name));
    // Described only for an error: building the text for every clause was 8 % of parsing 100,000 queries.
    if (clause === undefined) throw cursor.syntaxError(describeExpected(continuation, seen));
    if (seen.has(clause)) throw cursor.syntaxError(describeExpected(continuation, seen), token, `a second ${CLAUSE_NAMES[clause]} clause`);
    seen.add(clause);
    cursor.next();
    const position = token.position;
    switch (clause) {
      case 'where':
        where = parseCondition(cursor);
        continuation = 'AND, OR';
        break;
      case 'facet':
        facet = parseNameList(cursor, 'an attribute name');
        continuation = "','";
        break;
      case 'limit':
        facetLimit = parseLimit(cursor);
        continuation = '';
        break;
      case 'timeseries':
        windowMs = atEnd(cursor) || atClauseBoundary(cursor) ? queryLimits.defaultWindowMs : parseDuration(cursor, 'a window size such as 1 minute');
        validateRange(cursor, position, 'The TIMESERIES window', windowMs, queryLimits.minWindowMs, queryLimits.maxWindowMs, '1 second', '1 day');
        continuation = '';
        break;
      case 'with':
        cursor.expectKeyword('lateness', 'LATENESS');
        latenessMs = parseDuration(cursor, 'an allowed lateness such as 10 seconds');
        validateRange(cursor, position, 'WITH LATENESS', latenessMs, 0, queryLimits.maxLatenessMs, '0', '7 days');
        continuation = '';
        break;
    }
  }
  return { text, select, from, where, facet, facetLimit, windowMs, latenessMs };
}

/** A trailing `;` is tolerated, as SQL consoles do. */
function atEnd(cursor: TokenCursor): boolean {
  if (cursor.peek().kind === 'end') return true;
  if (cursor.atSymbol(';') && cursor.peek(1).kind === 'end') {
    cursor.next();
    return true;
  }
  return false;
}

function atClauseBoundary(cursor: TokenCursor): boolean {
  return cursor.peek().kind === 'end' || CLAUSES.some((clause) => cursor.atKeyword(clause));
}

function describeExpected(continuation: string, seen: ReadonlySet<Clause>): string {
  const options = [
    ...(continuation === '' ? [] : [continuation]),
    ...CLAUSES.filter((clause) => !seen.has(clause)).map((clause) => CLAUSE_NAMES[clause]),
  ];
  return `${options.join(', ')} or end of query`;
}

/** Comma-separated names, duplicates dropped (the first occurrence keeps its place). */
function parseNameList(cursor: TokenCursor, expected: string): string[] {
  const names = [cursor.expectName(expected)];
  while (cursor.acceptSymbol(',')) names.push(cursor.expectName(expected));
  return [...new Set(names)];
}

function parseLimit(cursor: TokenCursor): number {
  if (cursor.acceptKeyword('max')) return queryLimits.maxFacetLimit;
  const token = cursor.expectNumber('a number of facet groups or MAX');
  if (!Number.isInteger(token.value) || token.value < 1 || token.value > queryLimits.maxFacetLimit) {
    throw cursor.validationError(`LIMIT ${quoteInShort(token.text, '')} is invalid; it must be a whole number from 1 to ${queryLimits.maxFacetLimit} (or MAX)`, token.position);
  }
  return token.value;
}

function validateRange(cursor: TokenCursor, position: number, what: string, ms: number, min: number, max: number, minText: string, maxText: string): void {
  if (!Number.isInteger(ms)) throw cursor.validationError(`${what} must be a whole number of milliseconds, not ${ms} ms`, position);
  if (ms < min) throw cursor.validationError(`${what} is ${ms} ms; it must be at least ${minText}`, position);
  if (ms > max) throw cursor.validationError(`${what} is ${ms} ms; it must be at most ${maxText}`, position);
}
