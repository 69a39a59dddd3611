/**
 * The parsed form of an NRQL query. Everything here is plain JSON so a
 * definition can travel on the `queries` topic and sit in snapshots unchanged.
 */

/** The aggregate functions a streaming query may select. */
export type AggregateFunction = 'count' | 'sum' | 'average' | 'min' | 'max' | 'uniqueCount' | 'percentile';

/** One column of the result: an aggregate over one attribute (or over events, for `count(*)`). */
export interface SelectItem {
  readonly fn: AggregateFunction;
  /** The attribute the aggregate reads; `null` only for `count(*)`. */
  readonly attribute: string | null;
  /** For `percentile` only: the percentile in 0..100. */
  readonly percentile?: number;
  /** The `AS` label, else the canonical text such as `count(*)` or `percentile(duration, 95)`. Unique within a query. */
  readonly label: string;
}

/** A literal on the right-hand side of a comparison. */
export type Literal = string | number | boolean;

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * A WHERE clause. `and`/`or` hold two or more operands (nested ones of the same
 * kind are flattened); `<>` is normalised to `!=`; `NOT IN`, `NOT LIKE` and
 * `IS NOT NULL` are the `negated` forms of their predicate.
 */
export type Condition =
  | { readonly kind: 'and'; readonly operands: readonly Condition[] }
  | { readonly kind: 'or'; readonly operands: readonly Condition[] }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'compare'; readonly attribute: string; readonly operator: ComparisonOperator; readonly value: Literal }
  | { readonly kind: 'in'; readonly attribute: string; readonly values: readonly Literal[]; readonly negated: boolean }
  | { readonly kind: 'like'; readonly attribute: string; readonly pattern: string; readonly negated: boolean }
  | { readonly kind: 'isNull'; readonly attribute: string; readonly negated: boolean };

/** A registered query, as `parseQuery` returns it. */
export interface QueryDefinition {
  /** The query text as the user wrote it. */
  readonly text: string;
  readonly select: readonly SelectItem[];
  /** Event types (FROM), in the order written, without duplicates. */
  readonly from: readonly string[];
  readonly where: Condition | null;
  /** Attributes to group by; empty without FACET. */
  readonly facet: readonly string[];
  /** Cap on distinct facet groups per window; later groups fall into "other". */
  readonly facetLimit: number;
  /** Window size (TIMESERIES), milliseconds. */
  readonly windowMs: number;
  /** Allowed lateness (WITH LATENESS), milliseconds. */
  readonly latenessMs: number;
}
