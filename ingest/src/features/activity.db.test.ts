import { describe, expect, it } from 'vitest';
import { queuedUpload } from '../test/factories.ts';
import type { Upload } from '../uploads/store.ts';
import { rebuildFeatures } from './rebuild.ts';
import { featuresTestbed } from './testing.ts';

/**
 * Walking from uploaded accelerometer files (Android in m/s², iOS in g) through the worker's
 * processors into `daily_features`: a day with a bout of known steps, a day without walking, a
 * file processed twice, and a rebuild.
 */
describe('walking features from the accelerometer', () => {
  const t = featuresTestbed('vigil_walking', new Date('2026-11-25T12:00:00Z'), 'America/New_York');
  let uploadId = 0;
  const G = 9.80665;
  const MIN = 60_000;
  /** Local midnight of 2026-11-22 in New York (EST, UTC−5). */
  const day1 = Date.UTC(2026, 10, 22, 5);

  const upload = (participantId: number, fileMs: number, osType: string, id = ++uploadId): Upload =>
    queuedUpload({
      id,
      participantId,
      fileName: `pid_accelerometer_${fileMs}.csv`,
      stream: 'accelerometer',
      fileTime: new Date(fileMs),
      osType,
      receivedAt: t.clock(),
    });

  /**
   * Beiwe's default duty cycle (10 s on, 10 s off) at 10 Hz over [fromMs, toMs), in the phone's unit:
   * walking at 1.8 steps/s (a 0.4 g vertical bounce) from `walkFrom` for `walkMs`, else lying still.
   */
  function accelerometerFile(os: 'ANDROID' | 'IOS', fromMs: number, toMs: number, walkFrom = 0, walkMs = 0): string {
    const unit = os === 'ANDROID' ? G : 1;
    const lines = ['timestamp,accuracy,x,y,z'];
    for (let run = fromMs; run < toMs; run += 20_000) {
      for (let i = 0; i < 100; i++) {
        const t = run + i * 100;
        const walking = t >= walkFrom && t < walkFrom + walkMs;
        const z = 1 + (walking ? 0.4 * Math.sin(2 * Math.PI * 1.8 * ((t - walkFrom) / 1000)) : 0);
        lines.push(`${t},${os === 'ANDROID' ? 3 : 'unknown'},${(0.01 * unit).toFixed(5)},0,${(z * unit).toFixed(5)}`);
      }
    }
    return lines.join('\n');
  }

  const activity = async (participantId: number) =>
    (await t
      .db('daily_features')
      .where({ participant_id: participantId, source: 'phone' })
      .whereIn('feature', ['walking_time', 'steps', 'cadence'])
      .orderBy(['day', 'feature'])
      .select(t.db.raw("DATE_FORMAT(day, '%Y-%m-%d') AS day"), 'feature', 'value', 'coverage')) as {
      day: string;
      feature: string;
      value: number | null;
      coverage: number;
    }[];
  const valuesOf = (rows: Awaited<ReturnType<typeof activity>>, day: string) =>
    Object.fromEntries(rows.filter((r) => r.day === day).map((r) => [r.feature, r.value]));

  /**
   * 20 minutes of walking at 1.8 steps/s under the duty cycle: 60 windows of 10 s, so 600 s walked
   * and 1,080 steps. Tolerance: a window's first or last second may be lost to the wavelet's edges
   * (oak's own trimming), so within 5% for time and steps, and one 0.05 Hz grid step for cadence.
   */
  const expectBout = (values: Record<string, number | null>) => {
    expect(Math.abs(values.walking_time! - 600)).toBeLessThanOrEqual(30);
    expect(Math.abs(values.steps! - 1080)).toBeLessThanOrEqual(54);
    expect(Math.abs(values.cadence! - 1.8)).toBeLessThanOrEqual(0.05);
  };

  for (const os of ['ANDROID', 'IOS'] as const) {
    it(`counts a bout of known steps and gives zero on a day without walking (${os})`, async () => {
      const p = await t.participant(os, os === 'ANDROID' ? 'walkandr' : 'walkios1');
      // Day 1: 09:00–11:00 local in two hourly files, walking 10:10–10:30; day 2: an hour lying still.
      const nine = day1 + 9 * 60 * MIN;
      await t.process(upload(p.id, nine, os), accelerometerFile(os, nine, nine + 60 * MIN));
      await t.process(
        upload(p.id, nine + 60 * MIN, os),
        accelerometerFile(os, nine + 60 * MIN, nine + 120 * MIN, nine + 70 * MIN, 20 * MIN)
      );
      const day2 = day1 + 24 * 60 * MIN + 9 * 60 * MIN;
      await t.process(upload(p.id, day2, os), accelerometerFile(os, day2, day2 + 60 * MIN));
      await t.sweep();
      const rows = await activity(p.id);
      expectBout(valuesOf(rows, '2026-11-22'));
      expect(valuesOf(rows, '2026-11-23')).toEqual({ walking_time: 0, steps: 0, cadence: null });
      // Two hours of 24 observed on day 1, one on day 2.
      expect(rows.find((r) => r.day === '2026-11-22')!.coverage).toBeCloseTo(120 / 1440, 4);
      expect(rows.find((r) => r.day === '2026-11-23')!.coverage).toBeCloseTo(60 / 1440, 4);
    });
  }

  it('counts a file processed twice once, and a rebuild gives what was kept incrementally', async () => {
    const p = await t.participant('ANDROID', 'walktwce');
    const ten = day1 + 10 * 60 * MIN;
    const text = accelerometerFile('ANDROID', ten, ten + 60 * MIN, ten + 10 * MIN, 20 * MIN);
    const u = upload(p.id, ten, 'ANDROID');
    await t.process(u, text);
    await t.sweep();
    const once = await activity(p.id);
    expectBout(valuesOf(once, '2026-11-22'));
    await t.process(u, text);
    await t.sweep();
    expect(await activity(p.id)).toEqual(once);
    await t.db('daily_features').where({ participant_id: p.id }).delete();
    await rebuildFeatures(t.db, { participantId: p.id, from: '2026-11-20', to: '2026-11-24', now: t.clock() });
    expect(await activity(p.id)).toEqual(once);
  });

  const walkingMinutes = async (participantId: number) =>
    (
      (await t
        .db('walking_minutes')
        .where({ participant_id: participantId })
        .orderBy('minute')
        .select('minute', 'walking_s', 'steps')) as { minute: Date; walking_s: number; steps: number }[]
    ).map((m) => ({ minute: m.minute.toISOString(), walkingS: m.walking_s, steps: m.steps }));

  it('a rebuild finds walking again in the raw accelerometer: the same minutes as the uploads gave', async () => {
    const p = await t.participant('ANDROID', 'walkrebd');
    // Two days, three hourly files: bouts 09:40–09:50 and 10:10–10:30 on day 1, 18:00–18:05 on day 2.
    const nine = day1 + 9 * 60 * MIN;
    const six = day1 + 24 * 60 * MIN + 18 * 60 * MIN;
    await t.process(
      upload(p.id, nine, 'ANDROID'),
      accelerometerFile('ANDROID', nine, nine + 60 * MIN, nine + 40 * MIN, 10 * MIN)
    );
    await t.process(
      upload(p.id, nine + 60 * MIN, 'ANDROID'),
      accelerometerFile('ANDROID', nine + 60 * MIN, nine + 120 * MIN, nine + 70 * MIN, 20 * MIN)
    );
    await t.process(upload(p.id, six, 'ANDROID'), accelerometerFile('ANDROID', six, six + 60 * MIN, six, 5 * MIN));
    await t.sweep();
    const minutes = await walkingMinutes(p.id);
    const features = await activity(p.id);
    // 30 and 5 minutes walked under the duty cycle (half of it sampled): 900 s and 150 s, within 5%.
    expect(Math.abs(valuesOf(features, '2026-11-22').walking_time! - 900)).toBeLessThanOrEqual(45);
    expect(Math.abs(valuesOf(features, '2026-11-23').walking_time! - 150)).toBeLessThanOrEqual(8);

    const rebuild = () =>
      rebuildFeatures(t.db, {
        participantId: p.id,
        from: '2026-11-22',
        to: '2026-11-23',
        now: t.clock(),
        walking: true,
      });
    // Walking lost (or found by an older definition): the rebuild finds the same again.
    await t.db('walking_minutes').where({ participant_id: p.id }).update({ walking_s: 1, steps: 99 });
    await t.db('daily_features').where({ participant_id: p.id }).delete();
    await rebuild();
    expect(await walkingMinutes(p.id)).toEqual(minutes);
    expect(await activity(p.id)).toEqual(features);

    // Retention dropped the first hour's raw rows: its minutes keep the walking found on arrival.
    await t
      .db('accelerometer')
      .where({ participant_id: p.id })
      .where('t', '<', new Date(nine + 60 * MIN))
      .delete();
    await rebuild();
    expect(await walkingMinutes(p.id)).toEqual(minutes);
    expect(await activity(p.id)).toEqual(features);
  });
});
