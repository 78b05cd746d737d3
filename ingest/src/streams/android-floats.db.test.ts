import { randomInt } from 'node:crypto';
import { describe, expect } from 'vitest';
import { test } from '../test/fixtures.ts';
import { javaFloatFixed16 } from '../test/phone-emulator/number-format.ts';
import { createPrng } from '../test/phone-emulator/prng.ts';
import { STREAM_TABLES } from './catalog.ts';
import { loadRows } from './load.ts';
import { ensureDayPartitions } from './partitions.ts';
import { fromStored } from './phone-numbers.ts';
import { createRowWriter, type ParseContext } from './rows.ts';

/**
 * Android's floats go to the server as nine digits that `CAST(… AS FLOAT)` rounds back to the float
 * (catalog.ts, phone-numbers.ts). What MariaDB stores must be exactly what storing the float's own
 * double stored before: `Math.fround(Number(cell))`, -0 kept as the negative double nearest zero.
 * The proof assumes only that MariaDB reads a decimal within a few ulps; this holds it to the result.
 */
const random = createPrng('android-floats');
const bits = new DataView(new ArrayBuffer(4));

/** Every kind of float: any bit pattern (subnormals included), sensor-like values, and the edges. */
function floats(n: number): number[] {
  const edges = [-0, 0, 2 ** -149, 2 ** -126, 2 ** -126 - 2 ** -149, 3.4028234663852886e38, 0.5, 1, -1, 9.80665];
  const out = edges.map(Math.fround);
  while (out.length < n) {
    if (random.chance(0.5)) {
      bits.setUint32(0, random.int(0, 0xffffffff));
      const f = bits.getFloat32(0);
      if (Number.isFinite(f)) out.push(f);
    } else {
      const f = Math.fround(random.normal(0, random.pick([20, 1, 0.03, 1e-5])));
      // A power of two and its neighbour below: where the interval narrows.
      out.push(f, Math.fround(2 ** Math.round(Math.log2(Math.abs(f) || 1))));
    }
  }
  return out;
}

/** The phone's own text mostly; other texts a file may hold, which take the printed way. */
const cell = (f: number) =>
  random.chance(0.7) ? javaFloatFixed16(f) : random.pick([String(f), f.toPrecision(17), f.toExponential(12), ` ${f}`]);

describe('Android floats loaded as nine digits', () => {
  test.for(['accelerometer', 'gyro', 'magnetometer'] as const)(
    '%s: MariaDB stores the float each cell names, -0 included',
    async (stream, { db }) => {
      const participantId = 1_900_000_000 + randomInt(99_000_000);
      const now = new Date();
      await ensureDayPartitions(db, now);
      const t0 = now.getTime() - 3_600_000;
      const values = floats(60_000);
      const texts = values.map((v) => [cell(v), cell(-v), cell(v / 3)]);
      const header = stream === 'magnetometer' ? 'timestamp,x,y,z' : 'timestamp,accuracy,x,y,z';
      const lines = texts.map(([x, y, z], i) =>
        stream === 'magnetometer' ? `${t0 + i},${x},${y},${z}` : `${t0 + i},3,${x},${y},${z}`
      );
      const ctx: ParseContext = {
        participantId,
        os: 1,
        fileTime: new Date(t0),
        fileStampMs: t0,
        surveyId: undefined,
        uploadId: 1,
        extension: 'csv',
        now,
      };
      const def = STREAM_TABLES[stream];
      const writer = createRowWriter(ctx);
      def.parse({ text: [header, ...lines].join('\n'), bytes: Buffer.alloc(0) }, ctx, writer);
      const written = writer.finish();
      expect(written.rejected).toBe(0);
      const [x, y, z] = def.columns.slice(-3) as [string, string, string];
      try {
        expect(await db.transaction((trx) => loadRows(trx, def, written))).toBe(values.length);
        const rows = (await db(def.table)
          .where({ participant_id: participantId })
          .orderBy('t')
          // As text: mysql2's own reading of a DOUBLE can land an ulp off (the exports round to the float anyway).
          .select(db.raw('CONCAT(??) AS ??, CONCAT(??) AS ??, CONCAT(??) AS ??', [x, x, y, y, z, z]))) as Record<
          string,
          string
        >[];
        const expected = (text: string) => Math.fround(Number(text));
        const wrong = rows.flatMap((r, i) =>
          [x, y, z].flatMap((c, k) =>
            Object.is(fromStored(r[c]), expected(texts[i]![k]!)) ? [] : [`${texts[i]![k]} stored as ${r[c]}`]
          )
        );
        expect(wrong.slice(0, 5)).toEqual([]);
        // Not vacuous: -0, subnormals and 17-digit doubles among them.
        expect(rows.some((r) => Object.is(fromStored(r[x]), -0))).toBe(true);
        expect(rows.some((r) => Number(r[x]) !== 0 && Math.abs(Number(r[x])) < 2 ** -126)).toBe(true);
      } finally {
        await db(def.table).where({ participant_id: participantId }).delete();
      }
    }
  );
});
