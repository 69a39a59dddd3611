import { attributeOf, type AttributeValue, type Event } from '../event.ts';
import type { ComparisonOperator, Condition, Literal } from './ast.ts';

type Predicate = (event: Event) => boolean;

/**
 * Compiles a WHERE condition into a predicate, once per query, so matching an
 * event is a few closure calls and no parsing or allocation.
 *
 * Semantics: a comparison, IN, LIKE (and their NOT forms) on a missing or null
 * attribute is false; `IS NULL` is true for it. Numbers compare numerically,
 * strings lexically (by UTF-16 code unit), booleans only by `=` and `!=`; a
 * comparison across types (`'5' = 5`) is false, whatever the operator.
 * LIKE is case-sensitive, `%` matches any run of characters, `_` exactly one,
 * and `\%`, `\_` match the characters themselves. A `null` condition (no
 * WHERE) accepts every event.
 *
 * @example
 * ```ts
 * const matches = compileCondition(parseQuery("SELECT count(*) FROM T WHERE host LIKE 'web-%'").where);
 * matches({ eventType: 'T', timestamp: 0, attributes: { host: 'web-1' } }); // true
 * ```
 */
export function compileCondition(where: Condition | null): (event: Event) => boolean {
  return where === null ? () => true : compile(where);
}

function compile(condition: Condition): Predicate {
  switch (condition.kind) {
    case 'and': {
      const operands = condition.operands.map(compile);
      return (event) => {
        for (const operand of operands) if (!operand(event)) return false;
        return true;
      };
    }
    case 'or': {
      const operands = condition.operands.map(compile);
      return (event) => {
        for (const operand of operands) if (operand(event)) return true;
        return false;
      };
    }
    case 'not': {
      const operand = compile(condition.operand);
      return (event) => !operand(event);
    }
    case 'compare': {
      const { attribute, operator, value } = condition;
      return (event) => compare(attributeOf(event, attribute), operator, value);
    }
    case 'in': {
      const { attribute, values, negated } = condition;
      return (event) => {
        const actual = attributeOf(event, attribute);
        if (actual === undefined || actual === null) return false;
        return values.includes(actual) !== negated;
      };
    }
    case 'like': {
      const { attribute, negated } = condition;
      const pattern = likeToRegExp(condition.pattern);
      return (event) => {
        const actual = attributeOf(event, attribute);
        return typeof actual === 'string' && pattern.test(actual) !== negated;
      };
    }
    case 'isNull': {
      const { attribute, negated } = condition;
      return (event) => {
        const actual = attributeOf(event, attribute);
        return (actual === undefined || actual === null) !== negated;
      };
    }
    default:
      throw new TypeError(`Unknown condition kind ${JSON.stringify((condition as { kind: unknown }).kind)}`);
  }
}

function compare(actual: AttributeValue | undefined, operator: ComparisonOperator, expected: Literal): boolean {
  if (actual === undefined || actual === null || typeof actual !== typeof expected) return false;
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
  }
  if (typeof actual === 'boolean') return false;
  switch (operator) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
  }
}

/** `%` → any run, `_` → one character, `\%` and `\_` → themselves; everything else literal. */
export function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      source += pattern[++i];
    } else if (c === '%') {
      source += '[\\s\\S]*';
    } else if (c === '_') {
      source += '[\\s\\S]';
    } else {
      source += c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'u');
}
