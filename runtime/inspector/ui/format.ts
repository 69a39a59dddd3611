/** How the page writes times, ages, sizes and counts. */

/** "12 s ago", "3 min ago", "2 h ago", "in 5 min"; "–" for null. */
export function ago(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined) return '–';
  const ms = now - at;
  const future = ms < 0;
  const text = duration(Math.abs(ms));
  return future ? `in ${text}` : `${text} ago`;
}

/** A span of milliseconds in one unit a person reads at a glance. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Math.floor(s)} s`;
  const min = s / 60;
  if (min < 60) return `${Math.floor(min)} min`;
  const h = min / 60;
  if (h < 48) return `${Math.floor(h)} h`;
  return `${Math.floor(h / 24)} d`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Local wall-clock time: "14:03:07.120"; with the date when it is not today. */
export function clock(at: number | null | undefined, withMs = false): string {
  if (at === null || at === undefined) return '–';
  const date = new Date(at);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${withMs ? `.${pad(date.getMilliseconds(), 3)}` : ''}`;
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return time;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** A full timestamp, for titles. */
export const isoTime = (at: number): string => new Date(at).toISOString();

export function kilobytes(bytes: number): string {
  const kb = bytes / 1024;
  return kb < 10 ? kb.toFixed(1) : Math.round(kb).toLocaleString('en-US');
}

/** Counts with thousands separators. */
export const count = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n.toLocaleString('en-US'));

/** Whether a context field is a timestamp: an epoch-ms number under a key that says so (start, end, …At). */
export function looksLikeTimestamp(key: string, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (value < 946_684_800_000 || value > 4_102_444_800_000) return false; // 2000..2100
  return /^(start|end)$/i.test(key) || /(At|Start|End|Time)$/.test(key) || /^(at|now|time|timestamp|watermark)$/i.test(key);
}
