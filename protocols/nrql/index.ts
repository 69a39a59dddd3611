/** NRQL: the query language users register queries in. Pure: parsing, validation and condition compiling. */
export type {
  AggregateFunction,
  ComparisonOperator,
  Condition,
  Literal,
  QueryDefinition,
  SelectItem,
} from './ast.ts';
export { compileCondition } from './condition.ts';
export { parseQuery, queryLimits } from './parser.ts';
export { projectedAttributes } from './projection.ts';
