/**
 * An append-only byte buffer for eventide's binary contracts: unsigned
 * varints (LEB128, up to `Number.MAX_SAFE_INTEGER`), little-endian doubles,
 * single bytes and raw bytes. It grows by doubling, so writing a record costs
 * one copy at the end (`bytes`), not one per field.
 */
export class ByteWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialCapacity = 1024) {
    this.#buffer = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#buffer.buffer);
  }

  get length(): number {
    return this.#length;
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
  }

  /** An unsigned integer, 7 bits a byte, low bits first (arithmetic, not bitwise, so 53 bits survive). */
  varint(value: number): void {
    this.#reserve(8);
    const buffer = this.#buffer;
    let rest = value;
    while (rest >= 0x80) {
      buffer[this.#length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    buffer[this.#length++] = rest;
  }

  /** Eight bytes, little-endian IEEE 754: every double, -0 included, comes back bit for bit. */
  float64(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** What was written, as a Buffer of its own. */
  bytes(): Buffer {
    return Buffer.from(this.#buffer.subarray(0, this.#length));
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < this.#length + bytes) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}
