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
 * Only the line holding the position is shown, so multi-line queries stay readable.
 */
export function querySyntaxError(text: string, position: number, expected: string, found: string): QuerySyntaxError {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  const lineEndIndex = text.indexOf('\n', position);
  const line = text.slice(lineStart, lineEndIndex === -1 ? text.length : lineEndIndex).replace(/\t/g, ' ');
  const caret = ' '.repeat(position - lineStart) + '^';
  const message = `Expected ${expected} at position ${position}, found ${found}\n  ${line}\n  ${caret}`;
  return new QuerySyntaxError(message, position, expected);
}
