// Seeded randomness for data order, splits, augmentation, synthetic images and model initialization. Math.random is
// never used: every random choice is a pure function of the seeds named at the call site, so runs are reproducible.
// Every stream's state is 32 bits, so a seed is a 32-bit unsigned integer: a larger one would be cut to its low 32
// bits and repeat a smaller seed's streams (seed 2³² = seed 0; numpy#17079), so it is refused — by the config rule
// of `seed` (config/schema.ts) for users, and here, as an error, for any caller.

/** The largest seed: 2³² − 1 (the streams' state is 32 bits). */
export const MAX_SEED = 0xffffffff;

/**
 * Returns `seed` when it is an integer in [0, MAX_SEED].
 * @throws RangeError otherwise (a seed ≥ 2³² would alias the seed of its low 32 bits).
 */
export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed ${seed} is not an integer in [0, ${MAX_SEED}] (2³² − 1: the random streams are 32-bit)`);
  }
  return seed;
}

/** murmur3's 32-bit finalizer: spreads every input bit over the output, so nearby seeds give unrelated streams. */
function mix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Combines a seed with stream labels (epoch, purpose, class, …) into one 32-bit state.
 * @throws RangeError for a seed outside [0, MAX_SEED] (checkSeed).
 */
export function deriveSeed(seed: number, ...streams: number[]): number {
  let h = mix32(checkSeed(seed) ^ 0x9e3779b9);
  for (const s of streams) h = mix32(h ^ mix32((s >>> 0) + 0x6a09e667));
  return h;
}

/**
 * A 32-bit seed from a base seed and a stable name (FNV-1a of the name, mixed with the seed, then an avalanche):
 * every parameter and random mask of a model draws from the seed of its name, so initialization does not depend on
 * build order, backend or how many other models exist.
 * @throws RangeError for a seed outside [0, MAX_SEED] (checkSeed).
 */
export function seedForName(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ checkSeed(seed)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche so that nearby keys give unrelated seeds.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/** A small fast PRNG (mulberry32) with the helpers the data pipeline needs. */
export class Rng {
  private state: number;

  constructor(seed: number, ...streams: number[]) {
    this.state = deriveSeed(seed, ...streams);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; the second value is dropped to keep the stream simple). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}
