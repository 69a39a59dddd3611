/**
 * Compression codecs for kafkajs beyond its built-in gzip, so that eventide
 * reads topics written with any codec Kafka producers use: snappy (in the
 * xerial framing Kafka's Java client writes), lz4 (the LZ4 frame format) and
 * zstd. kafkajs keeps them in its `CompressionCodecs` table, indexed by the
 * codec bits of a record batch's attributes; `registerCompressionCodecs` fills
 * the three empty slots.
 *
 * Each codec's package loads on first use, so a platform without a prebuilt
 * binary for one of them still runs every other codec, and a batch of that
 * codec fails with a {@link CompressionCodecError} that names the package.
 *
 * | codec | package | why |
 * |---|---|---|
 * | snappy | `snappy` (napi-rs, prebuilt binaries) | native; the framing is {@link unframeXerialSnappy} |
 * | lz4 | `lz4-napi` (napi-rs, prebuilt binaries) | native LZ4 frames |
 * | zstd | `fzstd` (JavaScript) to decompress, `@bokuweb/zstd-wasm` to compress | no native zstd installs without a compiler; zstd-wasm's own decompression needs the frame's content size, which Kafka's streaming writer leaves out |
 *
 * @example
 * ```ts
 * const kafkajs = require('kafkajs');
 * registerCompressionCodecs(kafkajs);
 * ```
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { EventideError } from '../../protocols/errors.ts';
import { frameXerialSnappy, unframeXerialSnappy } from './xerial-snappy.ts';

const require = createRequire(import.meta.url);

/** The codecs of Kafka's record batches, by their name in `compression.type`. */
export type CompressionCodecName = 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** One codec as kafkajs calls it: `compress` gets kafkajs's encoder, whose `buffer` is the batch's records. */
export interface KafkaCompressionCodec {
  compress(encoder: { readonly buffer: Buffer }): Promise<Buffer>;
  decompress(bytes: Buffer): Promise<Buffer>;
}

/**
 * A record batch could not be compressed or decompressed: its bytes are
 * corrupt, or the codec's package did not load on this platform. Recover:
 * for corrupt bytes, skip past the batch (the broker holds what the producer
 * wrote); for a package that did not load, install it (the message names it).
 */
export class CompressionCodecError extends EventideError {
  /** The codec that failed. */
  readonly codec: CompressionCodecName;

  constructor(codec: CompressionCodecName, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.codec = codec;
  }
}

interface SnappyPackage {
  compressSync(bytes: Buffer): Buffer;
  uncompressSync(bytes: Buffer, options?: { asBuffer: true }): Buffer;
}
interface Lz4Package {
  compressFrame(bytes: Buffer): Promise<Buffer>;
  decompressFrame(bytes: Buffer): Promise<Buffer>;
}
interface FzstdPackage {
  decompress(bytes: Uint8Array): Uint8Array;
}
interface ZstdWasmPackage {
  init(): Promise<void>;
  compress(bytes: Uint8Array, level: number): Uint8Array;
}

/** zstd's default level, the one Kafka's producer uses unless `compression.zstd.level` says otherwise. */
const ZSTD_LEVEL = 3;

/** Loads a codec's package once, remembering a failure so every batch reports it the same way. */
function lazyPackage<T>(codec: CompressionCodecName, name: string): () => T {
  let loaded: { value: T } | { error: unknown } | undefined;
  return () => {
    if (loaded === undefined) {
      try {
        loaded = { value: require(name) as T };
      } catch (error) {
        loaded = { error };
      }
    }
    if ('error' in loaded) {
      throw new CompressionCodecError(codec, `kafka: ${codec} record batches need the ${name} package, which did not load here: ${(loaded.error as Error).message}`, { cause: loaded.error });
    }
    return loaded.value;
  };
}

/** Runs one direction of a codec, turning a failure into a {@link CompressionCodecError} that says which codec and which bytes. */
async function guarded(codec: CompressionCodecName, verb: 'compress' | 'decompress', bytes: Buffer, run: () => Buffer | Promise<Buffer>): Promise<Buffer> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CompressionCodecError) throw error;
    throw new CompressionCodecError(codec, `kafka: cannot ${verb} a record batch of ${bytes.length} bytes with ${codec}: ${(error as Error).message}`, { cause: error });
  }
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);
const snappy = lazyPackage<SnappyPackage>('snappy', 'snappy');
const lz4 = lazyPackage<Lz4Package>('lz4', 'lz4-napi');
const fzstd = lazyPackage<FzstdPackage>('zstd', 'fzstd');
const zstdWasm = lazyPackage<ZstdWasmPackage>('zstd', '@bokuweb/zstd-wasm');
let zstdWasmReady: Promise<ZstdWasmPackage> | undefined;
const zstdCompressor = (): Promise<ZstdWasmPackage> => {
  const wasm = zstdWasm();
  zstdWasmReady ??= wasm.init().then(() => wasm);
  return zstdWasmReady;
};

/**
 * The four codecs, as kafkajs calls them. gzip is the same as kafkajs's own
 * (zlib); it is here so that measurements and tests treat all four alike.
 */
export const compressionCodecs: Readonly<Record<CompressionCodecName, KafkaCompressionCodec>> = {
  gzip: {
    compress: ({ buffer }) => guarded('gzip', 'compress', buffer, () => gzip(buffer)),
    decompress: (bytes) => guarded('gzip', 'decompress', bytes, () => unzip(bytes)),
  },
  snappy: {
    compress: ({ buffer }) => guarded('snappy', 'compress', buffer, () => frameXerialSnappy(buffer, (block) => snappy().compressSync(block))),
    decompress: (bytes) => guarded('snappy', 'decompress', bytes, () => unframeXerialSnappy(bytes, (block) => snappy().uncompressSync(block, { asBuffer: true }))),
  },
  lz4: {
    compress: ({ buffer }) => guarded('lz4', 'compress', buffer, () => lz4().compressFrame(buffer)),
    decompress: (bytes) => guarded('lz4', 'decompress', bytes, () => lz4().decompressFrame(bytes)),
  },
  zstd: {
    compress: ({ buffer }) => guarded('zstd', 'compress', buffer, async () => asBuffer((await zstdCompressor()).compress(buffer, ZSTD_LEVEL))),
    decompress: (bytes) => guarded('zstd', 'decompress', bytes, () => asBuffer(fzstd().decompress(bytes))),
  },
};

/** kafkajs's number for each codec (the codec bits of a record batch's attributes). */
const CODEC_NUMBERS: Readonly<Record<CompressionCodecName, number>> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** The `compression` kafkajs's `sendBatch` takes for a topic, from a transport's `compression` setting. */
export function compressionFor(setting: CompressionCodecName | ((topic: string) => CompressionCodecName) | undefined): (topic: string) => number {
  if (setting === undefined) return () => CODEC_NUMBERS.gzip;
  if (typeof setting === 'string') return () => CODEC_NUMBERS[setting];
  return (topic) => CODEC_NUMBERS[setting(topic)];
}

/** What of kafkajs this module needs: its codec table and the codec numbers. */
export interface KafkajsCodecTable {
  readonly CompressionCodecs: Record<number, () => unknown>;
  readonly CompressionTypes: { readonly Snappy: number; readonly LZ4: number; readonly ZSTD: number };
}

/** Puts the snappy, lz4 and zstd codecs into kafkajs's table (gzip stays kafkajs's own). */
export function registerCompressionCodecs(kafkajs: KafkajsCodecTable): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = () => compressionCodecs.snappy;
  CompressionCodecs[CompressionTypes.LZ4] = () => compressionCodecs.lz4;
  CompressionCodecs[CompressionTypes.ZSTD] = () => compressionCodecs.zstd;
}
