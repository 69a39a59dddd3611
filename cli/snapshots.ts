/**
 * `eventide snapshots list|skip`: an operator's view of one snapshots
 * partition, read as a restore reads it (read_committed, from the earliest
 * offset to the end), and the one way past a record no restore can use.
 *
 * A skip is a record of the same partition (see
 * protocols/snapshot/skip-record.ts): every later restore of that partition,
 * on any node, reads it and passes over the record it names. Skips apply to
 * publish markers only: incomplete or corrupt snapshots are passed over
 * without one.
 */
import { hostname, userInfo } from 'node:os';
import { ConfigError, TopicConfigError } from '../protocols/errors.ts';
import type { ConsumedRecord, Transport } from '../protocols/transport.ts';
import {
  MAX_SKIP_BY_LENGTH,
  MAX_SKIP_REASON_LENGTH,
  SnapshotLogListing,
  encodeSnapshotSkip,
  payloadChecksum,
  type ListedRecord,
  type UndecodableMarker,
} from '../protocols/snapshot/index.ts';

/** Which records `listSnapshotRecords` lists. */
export interface SnapshotsListOptions {
  readonly topic: string;
  readonly partition: number;
  /** The first offset to list. @default the partition's earliest */
  readonly from?: number;
  /** The most records to list. @default 1000 */
  readonly limit?: number;
}

/** A snapshots partition, listed. */
export interface SnapshotsListing {
  readonly topic: string;
  readonly partition: number;
  /** The earliest offset still in the partition (retention deletes older ones). */
  readonly startOffset: number;
  /** The end (last stable offset) when the listing was read. */
  readonly endOffset: number;
  readonly records: readonly ListedRecord[];
  /** Per stage, the undecodable markers that no skip names: that stage's partition cannot restore. */
  readonly undecodable: Readonly<Record<string, readonly UndecodableMarker[]>>;
}

/** The default `--limit` of `snapshots list`. */
export const DEFAULT_LIST_LIMIT = 1000;

/**
 * Lists a snapshots partition. The whole partition is read (a chunk's
 * verdict depends on its commit, a marker's on later skips), as a restore
 * reads it; only the records asked for are kept.
 *
 * @example
 * ```ts
 * const listing = await listSnapshotRecords(transport, { topic: 'snapshots', partition: 3, from: 1200, limit: 50 });
 * for (const line of formatListing(listing)) console.log(line);
 * ```
 */
export async function listSnapshotRecords(transport: Transport, options: SnapshotsListOptions): Promise<SnapshotsListing> {
  const { topic, partition } = options;
  const { startOffset, endOffset } = await partitionBounds(transport, topic, partition);
  const listing = new SnapshotLogListing({ from: options.from ?? startOffset, limit: options.limit ?? DEFAULT_LIST_LIMIT });
  await readPartition(transport, topic, partition, startOffset, endOffset, (record) => listing.add(record));
  return { topic, partition, startOffset, endOffset, records: listing.rows(), undecodable: Object.fromEntries(listing.undecodableMarkers()) };
}

/** The listing as text: a header, one line per record, then what stops a restore. */
export function formatListing(listing: SnapshotsListing): string[] {
  const { topic, partition, startOffset, endOffset, records } = listing;
  const lines = [`${topic}[${partition}]: offsets ${startOffset}..${endOffset} (read_committed, as a restore reads them), ${records.length} listed`];
  const table = records.map((r) => [String(r.offset), r.kind, r.seq === null ? '-' : String(r.seq), String(r.bytes), r.writer ?? '-', r.verdict, `${r.stage ?? '-'}  ${r.detail}`]);
  const header = ['offset', 'kind', 'seq', 'bytes', 'writer', 'verdict', 'stage  detail'];
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  if (records.length > 0) lines.push(line(header), ...table.map(line));
  for (const [stage, markers] of Object.entries(listing.undecodable)) {
    lines.push(`${stage}[${partition}] cannot restore: ${markers.length} undecodable publish marker${markers.length === 1 ? '' : 's'} no skip names, at offset${markers.length === 1 ? '' : 's'} ${markers.map((m) => m.offset).join(', ')}`);
  }
  return lines;
}

/** What `skipSnapshotRecord` is asked to skip. */
export interface SnapshotSkipOptions {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Why, in the operator's words (at most 500 characters). */
  readonly reason?: string;
  /** Skip a marker that decodes (its publication is then no longer known to be durable). */
  readonly force?: boolean;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Who skips. @default user@host of this process */
  readonly by?: string;
}

/** What was skipped. */
export interface SnapshotSkipOutcome {
  /** The record as it was listed before the skip. */
  readonly skipped: ListedRecord;
  /** Whether the marker decoded (a forced skip). */
  readonly decodable: boolean;
  /** The skip record's offset. */
  readonly skipOffset: number;
}

/**
 * Writes a skip record naming the publish marker at `offset`, with a plain
 * (idempotent) producer, after checking that a restore reads that record and
 * that it is a marker that does not decode (or `force`). Throws
 * `ConfigError` saying why otherwise.
 */
export async function skipSnapshotRecord(transport: Transport, options: SnapshotSkipOptions): Promise<SnapshotSkipOutcome> {
  const { topic, partition, offset } = options;
  const reason = options.reason ?? '';
  if (reason.length > MAX_SKIP_REASON_LENGTH) throw new ConfigError(`--reason is ${reason.length} characters; a skip keeps at most ${MAX_SKIP_REASON_LENGTH}`);
  const by = (options.by ?? whoAmI()).slice(0, MAX_SKIP_BY_LENGTH);
  const { startOffset, endOffset } = await partitionBounds(transport, topic, partition);
  if (offset < startOffset || offset >= endOffset) {
    throw new ConfigError(`${topic}[${partition}] holds offsets ${startOffset}..${endOffset - 1}; offset ${offset} is not there (retention may have removed it)`);
  }
  let value: Buffer | null | undefined;
  const listing = new SnapshotLogListing({ from: offset, limit: 1 });
  await readPartition(transport, topic, partition, startOffset, endOffset, (record) => {
    if (record.offset === offset) value = record.value;
    listing.add(record);
  });
  const [row] = listing.rows();
  if (row === undefined || row.offset !== offset || value === undefined) {
    throw new ConfigError(`${topic}[${partition}] has no committed record at offset ${offset} (a transaction marker, or a record of an aborted transaction): a restore never reads it`);
  }
  refuseUnlessSkippable(row, options.force === true, `${topic}[${partition}]`);
  const record = encodeSnapshotSkip({ stage: row.stage!, partition, offset, sha256: payloadChecksum(value!), skippedKind: row.kind, reason, by, at: options.now });
  const producer = transport.producer();
  await producer.connect();
  try {
    await producer.send([{ topic, partition, key: record.key, value: record.value, headers: record.headers, timestamp: options.now }]);
  } finally {
    await producer.disconnect();
  }
  const applied = await readBackSkip(transport, topic, partition, offset);
  return { skipped: row, decodable: row.verdict === 'ok', skipOffset: applied.skippedBy! };
}

/** What `snapshots skip` prints after a skip: what it did, and what it costs. */
export function formatSkip(topic: string, partition: number, outcome: SnapshotSkipOutcome): string[] {
  const { skipped } = outcome;
  return [
    `skipped the publish marker at offset ${skipped.offset} of ${topic}[${partition}] (stage ${skipped.stage}); the skip record is at offset ${outcome.skipOffset}`,
    outcome.decodable
      ? `it decoded (${skipped.detail}): restores no longer know that publication is durable, so its window may be published again if the restored snapshot still holds it`
      : 'which window it published is unknown: if it covered one, that window may be published again (a duplicate result) when the restored snapshot still holds it open; if it covered none, nothing changes',
    `every later restore of ${skipped.stage}[${partition}], on any node, passes over it; a partition that stopped on it restores on its next try`,
  ];
}

/** Skips apply to publish markers a restore reads; everything else is refused with the reason. */
function refuseUnlessSkippable(row: ListedRecord, force: boolean, where: string): void {
  const at = `the record at offset ${row.offset} of ${where}`;
  if (row.kind === 'chunk' || row.kind === 'commit') {
    throw new ConfigError(`${at} is a snapshot ${row.kind} (${row.verdict}): skips apply to publish markers only; a snapshot that is incomplete or corrupt is passed over without one (an older snapshot or the committed offset restores)`);
  }
  if (row.kind !== 'marker') throw new ConfigError(`${at} is ${row.kind === 'skip' ? 'a skip record' : 'not a record any restore reads'} (${row.detail}): there is nothing to skip`);
  if (row.verdict === 'skipped') throw new ConfigError(`${at} is skipped already: ${row.detail}`);
  if (row.verdict === 'ok' && !force) {
    throw new ConfigError(`${at} is a publish marker that decodes (${row.detail}): a restore uses it to know that publication is durable. Skipping it may publish that window again; pass --force if that is what you want`);
  }
}

/**
 * Reads the partition again until the record shows as skipped. A plain
 * write is behind the partition's last stable offset while a transaction
 * of its owner is open, so it may take that transaction's commit to show.
 */
async function readBackSkip(transport: Transport, topic: string, partition: number, offset: number): Promise<ListedRecord> {
  for (let attempt = 0; ; attempt++) {
    const [row] = (await listSnapshotRecords(transport, { topic, partition, from: offset, limit: 1 })).records;
    if (row?.verdict === 'skipped') return row;
    if (attempt === 40) throw new Error(`the skip record was written to ${topic}[${partition}], but after 10 s a read_committed read does not show the record at offset ${offset} as skipped (${row?.verdict ?? 'gone'}): an open transaction on the partition may hold it back; run eventide snapshots list to check`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function partitionBounds(transport: Transport, topic: string, partition: number): Promise<{ startOffset: number; endOffset: number }> {
  const [description] = await transport.admin().describeTopics([topic]);
  if (description === undefined) throw new TopicConfigError(`topic '${topic}' does not exist (with a --topic-prefix, pass it here too, or name the topic with --topic)`);
  if (partition >= description.partitions) throw new ConfigError(`topic '${topic}' has ${description.partitions} partitions; there is no partition ${partition}`);
  const reader = transport.reader();
  const [starts, ends] = await Promise.all([reader.startOffsets(topic), reader.endOffsets(topic, 'read_committed')]);
  return { startOffset: starts.get(partition) ?? 0, endOffset: ends.get(partition) ?? 0 };
}

async function readPartition(transport: Transport, topic: string, partition: number, from: number, until: number, onRecord: (record: ConsumedRecord) => void): Promise<void> {
  if (until <= from) return;
  for await (const chunk of transport.reader().read({ topic, partition, offset: from }, until, { isolation: 'read_committed' })) for (const record of chunk) onRecord(record);
}

function whoAmI(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the host still says where.
  }
  return `${user}@${hostname()}`;
}
