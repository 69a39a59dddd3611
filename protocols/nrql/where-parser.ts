import type { ComparisonOperator, Condition, Literal } from './ast.ts';
import type { TokenCursor } from './cursor.ts';

const COMPARISONS: Record<string, ComparisonOperator> = {
  '=': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=',
};

const LITERAL = 'a string, number, true or false';

/**
 * Parses a WHERE condition. Precedence, loosest first: OR, AND, NOT, then a
 * predicate or a parenthesised condition — so `a = 1 OR b = 2 AND NOT c = 3`
 * reads `a = 1 OR (b = 2 AND (NOT c = 3))`.
 */
export function parseCondition(cursor: TokenCursor): Condition {
  return parseOr(cursor, 0);
}

/**
 * Parentheses and NOTs nested at most this deep: the parser and the
 * evaluation recurse on them, and a query of 20,000 nested parentheses
 * must be a syntax error, not a stack overflow.
 */
export const MAX_CONDITION_DEPTH = 64;

function parseOr(cursor: TokenCursor, depth: number): Condition {
  const operands = [parseAnd(cursor, depth)];
  while (cursor.acceptKeyword('or')) operands.push(parseAnd(cursor, depth));
  return junction('or', operands);
}

function parseAnd(cursor: TokenCursor, depth: number): Condition {
  const operands = [parseNot(cursor, depth)];
  while (cursor.acceptKeyword('and')) operands.push(parseNot(cursor, depth));
  return junction('and', operands);
}

/** `a AND (b AND c)` becomes one `and` of three operands: evaluation is flatter and the JSON smaller. */
function junction(kind: 'and' | 'or', operands: Condition[]): Condition {
  if (operands.length === 1) return operands[0];
  const flat: Condition[] = [];
  for (const operand of operands) {
    // One by one: spreading 200,000 operands into push() overflows the stack.
    if (operand.kind === kind) for (const inner of operand.operands) flat.push(inner);
    else flat.push(operand);
  }
  return { kind, operands: flat };
}

function parseNot(cursor: TokenCursor, depth: number): Condition {
  if ((cursor.atKeyword('not') || cursor.atSymbol('(')) && depth >= MAX_CONDITION_DEPTH) {
    throw cursor.syntaxError(`a condition nested at most ${MAX_CONDITION_DEPTH} deep (parentheses and NOTs)`);
  }
  if (cursor.acceptKeyword('not')) return { kind: 'not', operand: parseNot(cursor, depth + 1) };
  if (cursor.acceptSymbol('(')) {
    const inner = parseOr(cursor, depth + 1);
    cursor.expectSymbol(')', "AND, OR or ')'");
    return inner;
  }
  return parsePredicate(cursor);
}

function parsePredicate(cursor: TokenCursor): Condition {
  const attribute = cursor.expectName("an attribute name, NOT or '('");
  const token = cursor.peek();
  if (token.kind === 'symbol' && token.text in COMPARISONS) {
    cursor.next();
    return { kind: 'compare', attribute, operator: COMPARISONS[token.text], value: parseLiteral(cursor) };
  }
  if (cursor.acceptKeyword('is')) {
    const negated = cursor.acceptKeyword('not');
    cursor.expectKeyword('null', negated ? 'NULL' : 'NULL or NOT NULL');
    return { kind: 'isNull', attribute, negated };
  }
  const negated = cursor.acceptKeyword('not');
  if (cursor.acceptKeyword('in')) return { kind: 'in', attribute, values: parseList(cursor), negated };
  if (cursor.acceptKeyword('like')) return { kind: 'like', attribute, pattern: parsePattern(cursor), negated };
  throw cursor.syntaxError(negated ? 'IN or LIKE' : 'a comparison (=, !=, <>, <, <=, >, >=), IN, NOT IN, LIKE, NOT LIKE or IS NULL');
}

function parseList(cursor: TokenCursor): Literal[] {
  cursor.expectSymbol('(', "'(' to open the list of values");
  const values = [parseLiteral(cursor)];
  while (cursor.acceptSymbol(',')) values.push(parseLiteral(cursor));
  cursor.expectSymbol(')', "',' or ')'");
  return values;
}

function parsePattern(cursor: TokenCursor): string {
  const token = cursor.peek();
  if (token.kind !== 'string') throw cursor.syntaxError("a pattern in single quotes, such as '%shop%'");
  cursor.next();
  return token.value;
}

function parseLiteral(cursor: TokenCursor): Literal {
  const token = cursor.peek();
  if (token.kind === 'string' || token.kind === 'number') {
    cursor.next();
    return token.value;
  }
  if (cursor.acceptKeyword('true')) return true;
  if (cursor.acceptKeyword('false')) return false;
  if (cursor.atKeyword('null')) throw cursor.syntaxError(`${LITERAL} (test for null with IS NULL)`);
  throw cursor.syntaxError(LITERAL);
}
