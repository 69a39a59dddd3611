import type { AggregateFunction, SelectItem } from './ast.ts';
import type { TokenCursor } from './cursor.ts';
import { quoteInShort } from './lexer.ts';

/** Function names as users may write them (any case) mapped to their canonical spelling. */
const FUNCTIONS = new Map<string, AggregateFunction>(
  (['count', 'sum', 'average', 'min', 'max', 'uniqueCount', 'percentile'] as const).map((fn) => [fn.toLowerCase(), fn]),
);

const FUNCTION_EXPECTED = 'an aggregate function such as count(*)';

/**
 * Parses the SELECT list, up to (not including) FROM. Only aggregates are
 * allowed: a streaming query emits one row per window and facet, so a bare
 * attribute would have no single value. `percentile(d, 50, 95)` yields one
 * item per percentile.
 */
export function parseSelectList(cursor: TokenCursor): SelectItem[] {
  const items: SelectItem[] = [];
  const labelPositions = new Map<string, number>();
  do {
    const position = cursor.peek().position;
    for (const item of parseSelectItem(cursor)) {
      if (labelPositions.has(item.label)) {
        throw cursor.validationError(
          `Two select items share the label ${quoteInShort(item.label)}; results are keyed by label, so give one of them another with AS`,
          position,
        );
      }
      labelPositions.set(item.label, position);
      items.push(item);
    }
  } while (cursor.acceptSymbol(','));
  return items;
}

function parseSelectItem(cursor: TokenCursor): SelectItem[] {
  const nameToken = cursor.peek();
  if (nameToken.kind !== 'word' || !cursor.atSymbol('(', 1)) throw cursor.syntaxError(FUNCTION_EXPECTED);
  const fn = FUNCTIONS.get(nameToken.text.toLowerCase());
  if (fn === undefined) {
    throw cursor.validationError(
      `Unknown aggregate function ${quoteInShort(nameToken.text)}; supported are ${[...FUNCTIONS.values()].join(', ')}`,
      nameToken.position,
    );
  }
  cursor.next();
  cursor.next();
  let attribute: string | null;
  if (fn === 'count' && cursor.acceptSymbol('*')) attribute = null;
  else attribute = cursor.expectName(fn === 'count' ? "'*' or an attribute name" : 'an attribute name');

  const percentiles: number[] = [];
  if (fn === 'percentile') {
    cursor.expectSymbol(',', "',' and a percentile such as 95");
    do {
      const token = cursor.expectNumber('a percentile between 0 and 100');
      if (!(token.value >= 0 && token.value <= 100)) {
        throw cursor.validationError(`Percentile ${quoteInShort(token.text, '')} is out of range; it must be between 0 and 100`, token.position);
      }
      percentiles.push(token.value);
    } while (cursor.acceptSymbol(','));
  }
  cursor.expectSymbol(')', fn === 'percentile' ? "',' or ')'" : "')'");
  const label = parseLabel(cursor);

  if (fn !== 'percentile') return [{ fn, attribute, label: label ?? `${fn}(${attribute ?? '*'})` }];
  return percentiles.map((percentile) => ({
    fn,
    attribute,
    percentile,
    label: label === null ? `percentile(${attribute}, ${percentile})` : percentiles.length === 1 ? label : `${label} (${percentile})`,
  }));
}

/** `AS 'label'` or `AS label`; null without AS. */
function parseLabel(cursor: TokenCursor): string | null {
  if (!cursor.acceptKeyword('as')) return null;
  const token = cursor.peek();
  let label: string;
  if (token.kind === 'string') {
    cursor.next();
    label = token.value;
  } else {
    label = cursor.expectName("a label, such as 'requests' or requests");
  }
  if (label.trim() === '') throw cursor.validationError('A label given with AS must not be empty', token.position);
  return label;
}
