/**
 * JSON of untrusted values for messages and dead letters, bounded in depth
 * and length: a value nested 100,000 levels deep or a string of megabytes
 * is written in short, never by a recursion as deep as the input (which
 * overflows the stack) and never whole.
 */

/** Levels of nesting written; deeper values are replaced by a note. */
export const MAX_JSON_DEPTH = 64;

/**
 * The value as JSON, at most `maxChars` characters (cut with a note) and
 * `MAX_JSON_DEPTH` levels deep (deeper arrays and objects become the string
 * `"… nested deeper than 64 levels"`).
 */
export function boundedJson(value: unknown, maxChars = 64 * 1024): string {
  const out: string[] = [];
  let length = 0;
  let full = false;
  const write = (text: string): void => {
    if (full) return;
    if (length + text.length > maxChars) {
      out.push(text.slice(0, Math.max(0, maxChars - length)));
      full = true;
      return;
    }
    out.push(text);
    length += text.length;
  };
  const visit = (node: unknown, depth: number): void => {
    if (full) return;
    if (node === null || typeof node !== 'object') {
      write(JSON.stringify(typeof node === 'string' && node.length > maxChars ? node.slice(0, maxChars) : node) ?? 'null');
      return;
    }
    if (depth >= MAX_JSON_DEPTH) {
      write(JSON.stringify(`… nested deeper than ${MAX_JSON_DEPTH} levels`));
      return;
    }
    if (Array.isArray(node)) {
      write('[');
      for (let i = 0; i < node.length && !full; i++) {
        if (i > 0) write(',');
        visit(node[i], depth + 1);
      }
      write(']');
      return;
    }
    write('{');
    let first = true;
    for (const key of Object.keys(node)) {
      if (full) break;
      if (!first) write(',');
      first = false;
      write(`${JSON.stringify(key.length > 1000 ? key.slice(0, 1000) : key)}:`);
      visit((node as Record<string, unknown>)[key], depth + 1);
    }
    write('}');
  };
  visit(value, 0);
  const text = out.join('');
  return full ? `${text}… (cut at ${maxChars} characters)` : text;
}

/** A value for a one-line message: its JSON, at most `maxChars` characters. */
export function shortJson(value: unknown, maxChars = 100): string {
  return boundedJson(value, maxChars);
}
