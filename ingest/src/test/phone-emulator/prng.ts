import { createHash } from 'node:crypto';

/** A seeded generator, so that a phone with the same seed produces the same files byte for byte. */
export type Prng = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  between(min: number, max: number): number;
  normal(mean: number, sd: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
  hex(n: number): string;
  /** An independent generator derived from this one's seed, so one stream's draws never shift another's. */
  fork(label: string): Prng;
};

export function createPrng(seed: string | number): Prng {
  const seedText = String(seed);
  const digest = createHash('sha256').update(seedText).digest();
  // sfc32: small, fast and good enough for test data; its state is seeded from a hash so similar seeds diverge.
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12) | 1;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint32();

  const next = () => nextUint32() / 4294967296;
  const prng: Prng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    normal: (mean, sd) => {
      const u = 1 - next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    bytes: (n) => {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = nextUint32() & 0xff;
      return out;
    },
    hex: (n) =>
      prng
        .bytes(Math.ceil(n / 2))
        .toString('hex')
        .slice(0, n),
    fork: (label) => createPrng(`${seedText}/${label}`),
  };
  return prng;
}
