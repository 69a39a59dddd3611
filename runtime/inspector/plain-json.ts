/**
 * An actor's context, or a message, as JSON a page can show: functions and
 * actor references left out (a reference becomes `{ "@actor": id }`), Maps
 * and Sets as arrays, and a budget of values so one huge context cannot
 * stall the node or the page (what is left out is said, never dropped
 * silently).
 */

/** Values written at most; past it, arrays and objects end with a note of what was left out. */
const DEFAULT_BUDGET = 20_000;

export function plainJson(value: unknown, budget = DEFAULT_BUDGET): unknown {
  const state = { left: budget };
  return convert(value, state, new Set());
}

function convert(value: unknown, state: { left: number }, seen: Set<object>): unknown {
  state.left--;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length - MAX_STRING} more characters not shown)` : value;
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'undefined' || typeof value === 'function' || typeof value === 'symbol') return undefined;
  const object = value as Record<string, unknown>;
  if (typeof object.send === 'function' && typeof object.sessionId === 'string') return { '@actor': String(object.id) };
  if (seen.has(object)) return '[circular]';
  seen.add(object);
  try {
    if (value instanceof Map) return convertIterable(value.entries(), value.size, state, seen);
    if (value instanceof Set) return convertIterable(value.values(), value.size, state, seen);
    if (Array.isArray(value)) return convertArray(value, state, seen);
    if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
    const out: Record<string, unknown> = {};
    const keys = Object.keys(object);
    for (let i = 0; i < keys.length; i++) {
      if (state.left <= 0) {
        out['…'] = `${keys.length - i} more fields not shown`;
        break;
      }
      const converted = convert(object[keys[i]!], state, seen);
      if (converted !== undefined) out[keys[i]!] = converted;
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

/** Characters of a string shown, at most. */
const MAX_STRING = 10_000;

/** A Map's entries or a Set's values, read only as far as the budget goes. */
function convertIterable(values: Iterator<unknown>, size: number, state: { left: number }, seen: Set<object>): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < size; i++) {
    if (state.left <= 0) {
      out.push(`… ${size - i} more items not shown`);
      break;
    }
    const next = values.next();
    if (next.done === true) break;
    const converted = convert(next.value, state, seen);
    out.push(converted === undefined ? null : converted);
  }
  return out;
}

function convertArray(values: readonly unknown[], state: { left: number }, seen: Set<object>): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < values.length; i++) {
    if (state.left <= 0) {
      out.push(`… ${values.length - i} more items not shown`);
      break;
    }
    const converted = convert(values[i], state, seen);
    out.push(converted === undefined ? null : converted);
  }
  return out;
}

/** A message's fields in short, for a timeline: arrays as their length, long strings cut, objects as their keys. */
export function summarizeMessage(message: Readonly<Record<string, unknown>>): Record<string, string | number | boolean | null> {
  const summary: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(message)) {
    if (key === 'type') continue;
    summary[key] = summarizeValue(value);
  }
  return summary;
}

function summarizeValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 80 ? `${value.slice(0, 77)}…` : value;
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value instanceof Map || value instanceof Set) return `${value.size} entries`;
  if (Buffer.isBuffer(value)) return `${value.length} bytes`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return `{${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}}`;
  }
  return String(value);
}
