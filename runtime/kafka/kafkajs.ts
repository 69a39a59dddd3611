/**
 * kafkajs, loaded once with one fix: its read_committed filter of aborted
 * records registers at most one aborted transaction per record, so when a
 * fetch starts inside two or more aborted transactions (several producers
 * aborted around the same offsets, as when a new owner fences the partition
 * writers of a node), the first records of the second one are delivered as if
 * committed. Seen as windows "published twice" while a broker of three was
 * down. This module puts a correct filter in kafkajs's place before kafkajs
 * loads; every value import of kafkajs in eventide goes through here.
 *
 * It also registers the snappy, lz4 and zstd codecs (kafkajs has gzip only),
 * so topics written by any Kafka producer can be read; see `codecs.ts`.
 */
import { createRequire, Module } from 'node:module';
import { registerCompressionCodecs } from './codecs.ts';

const require = createRequire(import.meta.url);

interface FetchedMessage {
  readonly offset: string;
  readonly isControlRecord?: boolean;
  readonly key?: Buffer | null;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);
const isAbortMarker = (message: FetchedMessage): boolean => message.key != null && Buffer.from(message.key).equals(ABORT_MARKER_KEY);

/**
 * Drops the records of aborted transactions: every aborted transaction whose
 * first offset is at or before a record counts from there on, until its
 * producer's abort marker.
 */
export function filterAbortedRecords({ messages, abortedTransactions }: { messages: readonly FetchedMessage[]; abortedTransactions?: readonly AbortedTransaction[] }): FetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return [...messages];
  const pending = [...abortedTransactions].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : 1));
  const aborting = new Set<string>();
  return messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (pending.length > 0 && offset >= BigInt(pending[0]!.firstOffset)) aborting.add(pending.shift()!.producerId);
    const { producerId, inTransaction } = message.batchContext;
    if (isAbortMarker(message)) {
      aborting.delete(producerId);
      return true;
    }
    return !(aborting.has(producerId) && inTransaction);
  });
}

const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
if (require.cache[filterPath] === undefined) {
  const fixed = new Module(filterPath);
  fixed.filename = filterPath;
  fixed.loaded = true;
  fixed.exports = filterAbortedRecords;
  require.cache[filterPath] = fixed;
}

const kafkajs = require('kafkajs') as typeof import('kafkajs');
registerCompressionCodecs(kafkajs);
export default kafkajs;
