/**
 * Reads what `ByteWriter` writes, checking every read against the end of the
 * record: bytes that end early or hold a varint longer than 53 bits throw
 * `DecodeError` (`truncated`, `invalid-field`) naming the contract and what
 * was being read, never a RangeError.
 */
import { DecodeError } from '../errors.ts';

/** Seven bits a byte: eight bytes carry 56 bits, enough for `Number.MAX_SAFE_INTEGER`. */
const MAX_VARINT_BYTES = 8;

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #contract: string;
  #position: number;

  constructor(contract: string, bytes: Uint8Array, position = 0) {
    this.#contract = contract;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#position = position;
  }

  get position(): number {
    return this.#position;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.#bytes.length - this.#position;
  }

  byte(what: string): number {
    if (this.#position >= this.#bytes.length) this.truncated(what);
    return this.#bytes[this.#position++]!;
  }

  /** An unsigned varint no larger than `Number.MAX_SAFE_INTEGER`. */
  varint(what: string): number {
    const bytes = this.#bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.#position >= bytes.length) this.truncated(what);
      const byte = bytes[this.#position++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) this.fail('invalid-field', `${what} is larger than ${Number.MAX_SAFE_INTEGER}`);
        return value;
      }
      scale *= 0x80;
    }
    return this.fail('invalid-field', `${what} is a varint longer than ${MAX_VARINT_BYTES} bytes`);
  }

  float64(what: string): number {
    if (this.#position + 8 > this.#bytes.length) this.truncated(what);
    const value = this.#view.getFloat64(this.#position, true);
    this.#position += 8;
    return value;
  }

  /** The next `length` bytes, without a copy. */
  raw(length: number, what: string): Uint8Array {
    if (length > this.#bytes.length - this.#position) this.truncated(what);
    const slice = this.#bytes.subarray(this.#position, this.#position + length);
    this.#position += length;
    return slice;
  }

  /** Throws `DecodeError(reason)`; the message starts with the contract. */
  fail(reason: string, problem: string): never {
    throw new DecodeError(reason, `${this.#contract}: ${problem}`);
  }

  truncated(what: string): never {
    return this.fail('truncated', `the record ends at byte ${this.#bytes.length} inside ${what}`);
  }
}
