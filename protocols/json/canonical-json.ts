/**
 * JSON with every object's keys in one order: the same value gives the same
 * text whatever order its keys were set in, as snapshots need (their bytes
 * are checksummed and compared). Keys that look like array indexes ("0",
 * "12") come first in numeric order, as JavaScript enumerates them; the
 * others in sorted order. About twice as fast as fast-json-stable-stringify
 * on large states (which sorts every key as a string): it copies the value
 * with its keys sorted and lets `JSON.stringify` (native) write the text.
 *
 * For values the runtime builds (actor snapshots): cycles are refused, and
 * depth is that of the value (snapshots are shallow).
 */

/** The canonical JSON text of `value`, or undefined when it has none (undefined, a function). */
export function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(sortedCopy(value, new Set()));
}

function sortedCopy(value: unknown, ancestors: Set<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortedCopy((value as { toJSON(): unknown }).toJSON(), ancestors);
  if (ancestors.has(value)) throw new TypeError('Converting circular structure to JSON');
  ancestors.add(value);
  let copy: unknown;
  if (Array.isArray(value)) copy = value.map((item) => sortedCopy(item, ancestors));
  else {
    // No prototype: a member named __proto__ stays a member.
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      // As JSON.stringify would: an undefined or function member is left out.
      if (item !== undefined && typeof item !== 'function') sorted[key] = sortedCopy(item, ancestors);
    }
    copy = sorted;
  }
  ancestors.delete(value);
  return copy;
}
