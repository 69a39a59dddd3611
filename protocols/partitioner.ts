/**
 * Kafka's default partitioner for keyed records, so eventide and the Java
 * client (and kafkajs's `DefaultPartitioner`) put a key on the same
 * partition: murmur2 (32-bit, seed 0x9747b28c) of the key's UTF-8 bytes,
 * made positive by clearing the sign bit, modulo the partition count.
 *
 * @example
 * ```ts
 * partitionForKey('foobar', 12); // 6, as the Java client computes
 * ```
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's murmur2 of some bytes, as a signed 32-bit integer (Java's `Utils.murmur2`). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    // Little-endian 32-bit word.
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The 1 to 3 trailing bytes, mixed in as Java's fall-through switch does.
  const rest = length % 4;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) {
    h ^= data[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a key among `partitions`. */
export function partitionForKey(key: string, partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitionForKey: partitions must be a positive integer, got ${partitions}`);
  }
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
