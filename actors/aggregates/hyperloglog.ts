/**
 * HyperLogLog registers (Flajolet et al., 2007) with 2^12 = 4096 registers:
 * standard error 1.04 / √4096 ≈ 1.6%. Values are hashed to 44 bits (12 for
 * the register, 32 for the rank), so no large-range correction is needed
 * below billions of distinct values. Registers are a plain number array so
 * they serialise as JSON; merging takes the maximum of each register.
 */

export const HLL_PRECISION = 12;
export const HLL_REGISTERS = 1 << HLL_PRECISION;
/** Relative standard error of {@link estimateCardinality}. */
export const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);

export function emptyRegisters(): number[] {
  return new Array<number>(HLL_REGISTERS).fill(0);
}

/** Records `key` in `registers`, in place. */
export function addToRegisters(registers: number[], key: string): void {
  // Two independent 32-bit lanes over the UTF-16 code units (FNV-1a style and
  // multiply-xor style), each finished with the murmur3 avalanche step.
  let a = 0x811c9dc5;
  let b = 0x3c6ef372 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const index = avalanche(a) >>> (32 - HLL_PRECISION);
  const rank = Math.clz32(avalanche(b)) + 1;
  if (rank > registers[index]) registers[index] = rank;
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** A new register array holding the maximum of each pair. */
export function mergeRegisters(a: readonly number[], b: readonly number[]): number[] {
  const merged = a.slice();
  for (let i = 0; i < HLL_REGISTERS; i++) if (b[i] > merged[i]) merged[i] = b[i];
  return merged;
}

/**
 * Estimated number of distinct keys added, by Ertl's improved raw estimator
 * ("New cardinality estimation algorithms for HyperLogLog sketches", 2017),
 * which stays unbiased from a handful of keys to billions without the
 * empirical bias tables of HyperLogLog++ or a switch to linear counting.
 */
export function estimateCardinality(registers: readonly number[]): number {
  // Ranks run from 1 to Q + 1 (all 32 rank bits zero); 0 marks an empty register.
  const Q = 32;
  const histogram = new Array<number>(Q + 2).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i]]++;
  if (histogram[0] === HLL_REGISTERS) return 0;
  let z = HLL_REGISTERS * tau(1 - histogram[Q + 1] / HLL_REGISTERS);
  for (let k = Q; k >= 1; k--) z = 0.5 * (z + histogram[k]);
  z += HLL_REGISTERS * sigma(histogram[0] / HLL_REGISTERS);
  return (HLL_REGISTERS * HLL_REGISTERS) / (2 * Math.LN2 * z);
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k−1), summed until it stops changing. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let power = x;
  let weight = 1;
  let sum = x;
  for (;;) {
    power *= power;
    const previous = sum;
    sum += power * weight;
    weight += weight;
    if (sum === previous) return sum;
  }
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² · 2^−k) / 3, summed until it stops changing. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let root = x;
  let weight = 1;
  let sum = 1 - x;
  for (;;) {
    root = Math.sqrt(root);
    const previous = sum;
    weight *= 0.5;
    sum -= (1 - root) * (1 - root) * weight;
    if (sum === previous) return sum / 3;
  }
}
