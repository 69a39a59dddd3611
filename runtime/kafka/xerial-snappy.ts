/**
 * The snappy stream framing Kafka's Java client writes (snappy-java's
 * `SnappyOutputStream`, "xerial" framing): a 16-byte header, the magic
 * `0x82 'SNAPPY' 0x00` then two big-endian int32 versions, followed by
 * blocks, each a big-endian int32 length and that many bytes of raw snappy.
 * A batch without the magic is one raw snappy block (what librdkafka and
 * older clients may write). This file knows only the framing; the block codec
 * is passed in.
 *
 * @example
 * ```ts
 * const framed = frameXerialSnappy(bytes, (block) => snappy.compressSync(block));
 * const back = unframeXerialSnappy(framed, (block) => snappy.uncompressSync(block));
 * ```
 */

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER_BYTES = 16;
const FORMAT_VERSION = 1;
const COMPATIBLE_VERSION = 1;
/** snappy-java's default block size, which Kafka's producer keeps. */
const BLOCK_BYTES = 32 * 1024;

/** A function from one block's bytes to its compressed or decompressed form. */
export type SnappyBlockCodec = (block: Buffer) => Buffer;

/** Whether the bytes begin with the xerial snappy header's magic. */
export function hasXerialSnappyHeader(bytes: Buffer): boolean {
  return bytes.length >= HEADER_BYTES && bytes.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Compresses `bytes` into xerial framing, 32 KiB of input per block. */
export function frameXerialSnappy(bytes: Buffer, compressBlock: SnappyBlockCodec): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeInt32BE(FORMAT_VERSION, 8);
  header.writeInt32BE(COMPATIBLE_VERSION, 12);
  const parts: Buffer[] = [header];
  for (let start = 0; start < bytes.length; start += BLOCK_BYTES) {
    const block = compressBlock(bytes.subarray(start, start + BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/**
 * Decompresses xerial-framed bytes, or one raw snappy block when the header
 * is absent. Throws an `Error` naming the byte offset when a block length
 * runs past the end of the bytes.
 */
export function unframeXerialSnappy(bytes: Buffer, decompressBlock: SnappyBlockCodec): Buffer {
  if (!hasXerialSnappyHeader(bytes)) return decompressBlock(bytes);
  const parts: Buffer[] = [];
  let position = HEADER_BYTES;
  while (position < bytes.length) {
    if (position + 4 > bytes.length) throw new Error(`xerial framing: truncated block length at byte ${position} of ${bytes.length}`);
    const length = bytes.readInt32BE(position);
    position += 4;
    if (length < 0 || position + length > bytes.length) {
      throw new Error(`xerial framing: block of ${length} bytes at byte ${position} runs past the end of the ${bytes.length}-byte batch`);
    }
    parts.push(decompressBlock(bytes.subarray(position, position + length)));
    position += length;
  }
  return Buffer.concat(parts);
}
