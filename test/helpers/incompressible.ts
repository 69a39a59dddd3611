import { createHash } from 'node:crypto';

/** A string of `bytes` characters that gzip cannot shrink (hex of a hash chain from `seed`): for records that must stay large on the wire. */
export function incompressible(bytes: number, seed: string): string {
  const parts: string[] = [];
  let block = createHash('sha256').update(seed).digest();
  for (let length = 0; length < bytes; length += 64) {
    parts.push(block.toString('hex'));
    block = createHash('sha256').update(block).digest();
  }
  return parts.join('').slice(0, bytes);
}
