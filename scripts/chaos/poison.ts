/**
 * Poison records for events.raw, of the kinds the parse stage dead-letters,
 * each carrying a marker (`chaos-poison-<step>-<kind>`) that its dead
 * letter's `original` keeps, so the suite can tell that every one of them
 * was dead-lettered exactly once.
 */
import { gzipSync } from 'node:zlib';
import type { RawRecord } from './load.ts';

/** The kinds of poison, and the dead-letter reason each must get (null: any reason). */
export const POISON_KINDS = {
  /** A record that is not JSON at all (cut in the middle of an object). */
  'malformed-json': 'malformed-json',
  /** An event with an attribute nested 100,000 arrays deep. */
  'deep-nesting': null,
  /** An event stamped ten years ahead. */
  'future-timestamp': 'future-timestamp',
  /** An event stamped ten years ago. */
  'too-old': 'too-old',
  /** An event whose timestamp is a 3 MB string (gzipped on the wire: brokers refuse 3 MB records by default). */
  'huge-timestamp': 'invalid-timestamp',
  /** An element of the batch that is a string, not an object. */
  'not-an-object': 'not-an-object',
} as const satisfies Record<string, string | null>;

export type PoisonKind = keyof typeof POISON_KINDS;

/** A poison record and what the suite expects of it. */
export interface PoisonRecord extends RawRecord {
  readonly marker: string;
  readonly kind: PoisonKind;
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3_600_000;
const MARKER = /chaos-poison-\d+-[a-z-]+/;

/** The marker in a dead letter's original, if it has one. */
export function poisonMarkerIn(original: string): string | null {
  return MARKER.exec(original.slice(0, 4096))?.[0] ?? null;
}

/** The marker of poison record `kind` of poison step `step`. */
export function poisonMarker(step: number, kind: PoisonKind): string {
  return `chaos-poison-${step}-${kind}`;
}

/** One record of every kind, for poison step `step`, on the partitions given by `partitionOf`; `now` is the wall clock. */
export function poisonRecords(step: number, now: number, partitionOf: (kind: PoisonKind) => number): PoisonRecord[] {
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
  const values: Record<PoisonKind, (marker: string) => Buffer> = {
    'malformed-json': (marker) => Buffer.from(`[{"eventType":"${marker}","timestamp":${now - 3_600_000},"appName":`, 'utf8'),
    'deep-nesting': (marker) => Buffer.from(`[{"eventType":"${marker}","timestamp":${now - 3_600_000},"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`, 'utf8'),
    'future-timestamp': (marker) => json([{ eventType: marker, timestamp: now + TEN_YEARS_MS }]),
    'too-old': (marker) => json([{ eventType: marker, timestamp: now - TEN_YEARS_MS }]),
    'huge-timestamp': (marker) => gzipSync(json([{ eventType: marker, timestamp: '9'.repeat(3 * 1024 * 1024) }])),
    'not-an-object': (marker) => json([marker]),
  };
  return (Object.keys(POISON_KINDS) as PoisonKind[]).map((kind) => {
    const marker = poisonMarker(step, kind);
    return { kind, marker, partition: partitionOf(kind), value: values[kind](marker), events: [] };
  });
}
