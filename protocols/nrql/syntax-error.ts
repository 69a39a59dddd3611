import { QuerySyntaxError } from '../errors.ts';

/**
 * Builds the error for a query that does not parse, in the shape users see
 * everywhere (CLI, inspector, dead letters):
 *
 * ```
 * Expected FROM at position 16, found 'WHERE'
 *   SELECT count(*) WHERE x = 1
 *                   ^
 * ```
 *
 * Only the line holding the position is shown, so multi-line queries stay
 * readable, and of a long line only the 60 characters either side of it.
 */
const CONTEXT = 60;

export function querySyntaxError(text: string, position: number, expected: string, found: string): QuerySyntaxError {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  const lineEndIndex = text.indexOf('\n', position);
  const lineEnd = lineEndIndex === -1 ? text.length : lineEndIndex;
  const from = Math.max(lineStart, position - CONTEXT);
  const until = Math.min(lineEnd, position + CONTEXT);
  const line = `${from > lineStart ? '…' : ''}${text.slice(from, until).replace(/\t/g, ' ')}${until < lineEnd ? '…' : ''}`;
  const caret = ' '.repeat(position - from + (from > lineStart ? 1 : 0)) + '^';
  const message = `Expected ${expected} at position ${position}, found ${found}\n  ${line}\n  ${caret}`;
  return new QuerySyntaxError(message, position, expected);
}
