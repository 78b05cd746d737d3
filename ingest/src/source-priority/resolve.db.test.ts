import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { test } from '../test/fixtures.ts';
import { emptyBatch, type HeartRateRow, type StepsRow } from '../wearables/rows.ts';
import { writeBatch } from '../wearables/writer.ts';
import { preferredHeartRate, preferredSteps, resolveSteps, type StepsCandidate } from './resolve.ts';
import type { Priorities } from './schemas.ts';
import { patientWithWearables } from './testing.ts';

/** Fixed past instants: nothing here compares with the clock. */
const now = new Date('2026-11-20T12:00:00.000Z');
const at = (hhmmss: string) => new Date(`2026-11-20T${hhmmss}.000Z`);

const patient = (db: Knex, priorities: Priorities) => patientWithWearables(db, priorities, now);

const steps = (device: string, from: string, to: string, n: number): StepsRow => ({
  device,
  utc_offset_min: 60,
  start_at: at(from),
  end_at: at(to),
  steps: n,
});
const minuteSteps = (device: string, hhmm: string, n: number) => {
  const start = at(`${hhmm}:00`);
  return { ...steps(device, `${hhmm}:00`, `${hhmm}:00`, n), end_at: new Date(start.getTime() + 60_000) };
};

/**
 * Withings' intervals (10 and 5 minutes, one cut at :30 s), Polar's minutes and the phone's walking
 * minutes, overlapping. Each source alone: Withings 760, Polar 540, phone 87.5 (1387.5 summed).
 */
async function overlappingSteps(db: Knex, priorities: Priorities) {
  const p = await patient(db, priorities);
  const withings = [
    steps('ScanWatch 2', '10:00:00', '10:10:00', 600),
    steps('ScanWatch 2', '10:20:00', '10:25:00', 100),
    steps('ScanWatch 2', '10:30:30', '10:31:30', 60),
  ];
  const polar = [
    ...['05', '06', '07', '08', '09', '10', '11', '12', '13', '14'].map((m) =>
      minuteSteps('Polar Ignite 3', `10:${m}`, 50)
    ),
    minuteSteps('Polar Ignite 3', '10:22', 40),
  ];
  await writeBatch(db, p.owners.withings, { ...emptyBatch(), steps: withings }, now);
  await writeBatch(db, p.owners.polar, { ...emptyBatch(), steps: polar }, now);
  await db('walking_minutes').insert(
    [
      ['10:09', 30],
      ['10:14', 20],
      ['10:15', 25],
      ['10:30', 12.5],
    ].map(([m, n]) => ({ participant_id: p.id, minute: at(`${m as string}:00`), walking_s: 20, steps: n }))
  );
  return p;
}

const piece = (source: string, from: string, to: string, n: number) => ({ source, from, to, steps: n });
const pieces = (rows: Awaited<ReturnType<typeof preferredSteps>>) =>
  rows.map((r) => piece(r.source, r.t.toISOString().slice(11, 19), r.end_at.toISOString().slice(11, 19), r.steps));
const total = (rows: { steps: number }[]) => rows.reduce((n, r) => n + r.steps, 0);

describe('the preferred steps series', () => {
  test('Withings over Polar over the phone: each keeps what no better source covers, nothing summed twice', async ({
    db,
  }) => {
    const p = await overlappingSteps(db, { steps: [{ source: 'withings' }, { source: 'polar' }, { source: 'phone' }] });
    const rows = await preferredSteps(db, p.id);
    expect(pieces(rows)).toEqual([
      piece('withings', '10:00:00', '10:10:00', 600),
      // Polar's 10:05 to 10:09 and the phone's 10:09 lie inside Withings' interval.
      ...['10', '11', '12', '13', '14'].map((m) => piece('polar', `10:${m}:00`, `10:${Number(m) + 1}:00`, 50)),
      // Neither wearable has 10:15: the phone's minute fills it.
      piece('phone', '10:15:00', '10:16:00', 25),
      piece('withings', '10:20:00', '10:25:00', 100),
      // The phone's 10:30 minute keeps the half before Withings' interval starts, and half its steps.
      piece('phone', '10:30:00', '10:30:30', 6.25),
      piece('withings', '10:30:30', '10:31:30', 60),
    ]);
    expect(total(rows)).toBe(1041.25);
    expect(rows.find((r) => r.source === 'polar')).toMatchObject({ device: 'Polar Ignite 3', utc_offset_min: 60 });
    expect(rows.find((r) => r.source === 'phone')).toMatchObject({ device: null, utc_offset_min: null });
    // The raw rows of every source stay.
    expect(await db('steps').where({ participant_id: p.id }).count({ n: '*' })).toEqual([{ n: 14 }]);
  });

  test('Polar first (the rest in the default order): Withings is cut around Polar, into two parts where Polar is inside', async ({
    db,
  }) => {
    const p = await overlappingSteps(db, { steps: [{ source: 'polar' }] });
    const rows = await preferredSteps(db, p.id);
    expect(pieces(rows)).toEqual([
      piece('withings', '10:00:00', '10:05:00', 300),
      ...['05', '06', '07', '08', '09', '10', '11', '12', '13', '14'].map((m) =>
        piece('polar', `10:${m}:00`, `10:${String(Number(m) + 1).padStart(2, '0')}:00`, 50)
      ),
      piece('phone', '10:15:00', '10:16:00', 25),
      piece('withings', '10:20:00', '10:22:00', 40),
      piece('polar', '10:22:00', '10:23:00', 40),
      piece('withings', '10:23:00', '10:25:00', 40),
      piece('phone', '10:30:00', '10:30:30', 6.25),
      piece('withings', '10:30:30', '10:31:30', 60),
    ]);
    expect(total(rows)).toBe(1011.25);
  });

  test('a window keeps the parts starting inside it, rows reaching in from before it included', async ({ db }) => {
    const p = await overlappingSteps(db, { steps: [{ source: 'polar' }] });
    expect(pieces(await preferredSteps(db, p.id, at('10:21:00'), at('10:30:00')))).toEqual([
      piece('polar', '10:22:00', '10:23:00', 40),
      piece('withings', '10:23:00', '10:25:00', 40),
    ]);
  });

  test('a device entry ranks that device only; the same vendor’s other devices follow the list', async ({ db }) => {
    const p = await patient(db, { steps: [{ source: 'fitbit', device: 'Charge 6' }, { source: 'withings' }] });
    await writeBatch(
      db,
      p.owners.fitbit,
      {
        ...emptyBatch(),
        steps: [minuteSteps('Charge 6', '09:00', 10), minuteSteps('Inspire 3', '09:01', 11)],
      },
      now
    );
    await writeBatch(
      db,
      p.owners.withings,
      { ...emptyBatch(), steps: [steps('ScanWatch 2', '09:00:00', '09:02:00', 30)] },
      now
    );
    expect(pieces(await preferredSteps(db, p.id))).toEqual([
      piece('fitbit', '09:00:00', '09:01:00', 10),
      piece('withings', '09:01:00', '09:02:00', 15),
    ]);
  });
});

describe('resolving steps rows (no database)', () => {
  const row = (source: string, from: string, to: string, n: number, rnk: number): StepsCandidate => ({
    start_at: at(from),
    end_at: at(to),
    source,
    device: null,
    steps: n,
    utc_offset_min: 0,
    connection_id: null,
    entry: null,
    rnk,
  });
  const resolve = async (rows: StepsCandidate[]) => {
    const out = [];
    for await (const r of resolveSteps(rows)) out.push(r);
    return pieces(out);
  };

  test('a row of the same rank that overlaps an earlier one keeps only what the earlier left (ties never double count)', async () => {
    expect(
      await resolve([row('withings', '10:00:00', '10:02:00', 20, 0), row('withings', '10:01:00', '10:03:00', 40, 0)])
    ).toEqual([piece('withings', '10:00:00', '10:02:00', 20), piece('withings', '10:02:00', '10:03:00', 20)]);
  });

  test('a count without duration is dropped inside a better interval and kept outside', async () => {
    expect(
      await resolve([
        row('withings', '10:00:00', '10:02:00', 20, 0),
        row('polar', '10:01:00', '10:01:00', 5, 1),
        row('polar', '10:02:00', '10:02:00', 6, 1),
      ])
    ).toEqual([piece('withings', '10:00:00', '10:02:00', 20), piece('polar', '10:02:00', '10:02:00', 6)]);
  });
});

describe('the preferred heart-rate series', () => {
  test('per minute, the best source with a sample there: the Polar strap over Fitbit, the gaps filled by the next', async ({
    db,
  }) => {
    const p = await patient(db, { heart_rate: [{ source: 'polar', device: 'Polar H10' }, { source: 'fitbit' }] });
    const hr = (device: string, context: HeartRateRow['context'], hhmmss: string, bpm: number): HeartRateRow => ({
      device,
      utc_offset_min: 60,
      context,
      measured_at: at(hhmmss),
      bpm,
    });
    // Fitbit every 15 s from 08:00:00 to 08:04:45.
    const fitbit = Array.from({ length: 20 }, (_, k) => ({
      ...hr('Charge 6', 'intraday', '08:00:00', 70 + k),
      measured_at: new Date(at('08:00:00').getTime() + k * 15_000),
    }));
    const polar = [
      hr('Polar H10', 'exercise', '08:01:00', 120),
      hr('Polar H10', 'exercise', '08:01:30', 121),
      hr('Polar H10', 'exercise', '08:02:10', 122),
      // The watch is not the strap: after Fitbit (listed), so it shows only where Fitbit has nothing.
      hr('Polar Vantage V3', 'continuous', '08:04:00', 90),
      hr('Polar Vantage V3', 'continuous', '08:05:00', 91),
    ];
    const withings = [hr('ScanWatch 2', 'spot', '08:03:20', 64), hr('ScanWatch 2', 'spot', '08:06:00', 66)];
    await writeBatch(db, p.owners.fitbit, { ...emptyBatch(), heartRate: fitbit }, now);
    await writeBatch(db, p.owners.polar, { ...emptyBatch(), heartRate: polar }, now);
    await writeBatch(db, p.owners.withings, { ...emptyBatch(), heartRate: withings }, now);

    const rows = await preferredHeartRate(db, p.id);
    const fitbitMinute = (m: number) =>
      [0, 1, 2, 3].map((k) => ['fitbit', `08:0${m}:${String(k * 15).padStart(2, '0')}`, 70 + m * 4 + k]);
    expect(rows.map((r) => [r.source, r.t.toISOString().slice(11, 19), r.bpm])).toEqual([
      ...fitbitMinute(0),
      ['polar', '08:01:00', 120],
      ['polar', '08:01:30', 121],
      ['polar', '08:02:10', 122],
      ...fitbitMinute(3),
      ...fitbitMinute(4),
      ['polar', '08:05:00', 91],
      ['withings', '08:06:00', 66],
    ]);
    expect(rows.find((r) => r.bpm === 91)).toMatchObject({ device: 'Polar Vantage V3', context: 'continuous' });
    expect(await db('heart_rate').where({ participant_id: p.id }).count({ n: '*' })).toEqual([{ n: 27 }]);
  });

  test('with no list, the default order: Polar, then Fitbit, then Withings', async ({ db }) => {
    const p = await patient(db, {});
    const one = (device: string, hhmmss: string, bpm: number): HeartRateRow => ({
      device,
      utc_offset_min: 0,
      context: 'intraday',
      measured_at: at(hhmmss),
      bpm,
    });
    await writeBatch(db, p.owners.withings, { ...emptyBatch(), heartRate: [one('ScanWatch 2', '07:00:10', 60)] }, now);
    await writeBatch(db, p.owners.fitbit, { ...emptyBatch(), heartRate: [one('Charge 6', '07:00:20', 61)] }, now);
    await writeBatch(
      db,
      p.owners.polar,
      { ...emptyBatch(), heartRate: [one('Polar H10', '07:00:30', 62), one('Polar H10', '07:01:30', 63)] },
      now
    );
    await writeBatch(db, p.owners.withings, { ...emptyBatch(), heartRate: [one('ScanWatch 2', '07:02:10', 64)] }, now);
    expect((await preferredHeartRate(db, p.id)).map((r) => [r.source, r.bpm])).toEqual([
      ['polar', 62],
      ['polar', 63],
      ['withings', 64],
    ]);
  });
});
