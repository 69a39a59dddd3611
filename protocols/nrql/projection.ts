import type { QueryDefinition } from './ast.ts';

/**
 * The attributes a query's aggregates and facets read, sorted and without
 * duplicates. match projects each matched event onto these before sending it
 * on, so events.matched carries only what aggregate needs. WHERE attributes
 * are not included: match has already evaluated them.
 *
 * `timestamp` and `eventType` may appear (e.g. `FACET eventType`); project
 * with `attributeOf` so they resolve to the event's own fields.
 *
 * @example
 * ```ts
 * projectedAttributes(parseQuery('SELECT count(*), average(duration) FROM T FACET host'));
 * // ['duration', 'host']
 * ```
 */
export function projectedAttributes(definition: QueryDefinition): string[] {
  const names = new Set<string>(definition.facet);
  for (const item of definition.select) if (item.attribute !== null) names.add(item.attribute);
  return [...names].sort();
}
