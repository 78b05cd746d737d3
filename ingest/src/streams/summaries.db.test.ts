import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';
import { insertParticipant, insertStudy, queuedUpload } from '../test/factories.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import type { Upload } from '../uploads/store.ts';
import { dropPartitionsBefore, ensureDayPartitions } from './partitions.ts';
import { createStreamProcessor } from './processor.ts';
import { rebuildSummaries } from './rebuild.ts';

/** Rollups, data quantity, partitions and retention, driven through the processor with rows written here. */
describe('summaries of the stream tables', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  const now = new Date('2026-11-21T12:00:00Z');
  const processor = createStreamProcessor({ clock: () => now, settingsFor: currentDeviceSettings });
  let uploadId = 0;

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_summaries');
    await ensureDayPartitions(own.db, now);
  });
  afterAll(() => own.drop());

  const upload = (participantId: number, stream: string, fileName: string, osType = 'ANDROID'): Upload =>
    queuedUpload({
      id: ++uploadId,
      participantId,
      fileName,
      stream,
      fileTime: new Date(Number(/_(\d{10})\d*\.\w+$/.exec(fileName)![1]) * 1000),
      osType,
      receivedAt: now,
    });
  const run = async (u: Upload, text: string) =>
    (await own.db.transaction((trx) => processor({ trx, items: [{ upload: u, plaintext: Buffer.from(text) }] })))?.get(
      u.id
    );

  it('keeps exact per-minute magnitude statistics, in m/s² whatever the OS sent', async () => {
    const study = await insertStudy(own.db);
    const p = await insertParticipant(own.db, study.id);
    const start = Date.UTC(2026, 10, 21, 10, 0, 0);
    // Android in m/s²: magnitudes 5 (3,4,0) and 13 (5,12,0) in minute 0; 10 (6,8,0) in minute 1.
    const android = [
      'timestamp,accuracy,x,y,z',
      `${start},3,3,4,0`,
      `${start + 100},unknown,5,12,0`,
      `${start + 60_000},2,6,8,0`,
    ].join('\n');
    expect(await run(upload(p.id, 'accelerometer', `pid_accel_${start}.csv`), android)).toEqual({
      rowsStored: 3,
      rowsRejected: 0,
    });
    // iOS in g: (0, 0, 1) g is 9.80665 m/s², in minute 2; one row with a corrupt time is rejected.
    const ios = ['timestamp,accuracy,x,y,z', `${start + 120_000},unknown,0,0,1`, `12,unknown,0,0,1`].join('\n');
    expect(await run(upload(p.id, 'accelerometer', `pid_accel_${start + 120_000}.csv`, 'IOS'), ios)).toEqual({
      rowsStored: 1,
      rowsRejected: 1,
    });

    const minutes = (await own
      .db('motion_minutes')
      .where({ participant_id: p.id, stream: 'accelerometer' })
      .orderBy('minute')) as Record<string, number>[];
    expect(minutes.map((m) => [m.n, m.mag_sum, m.mag_sq_sum, m.mag_min, m.mag_max])).toEqual([
      [2, 18, 25 + 169, 5, 13],
      [1, 10, 100, 10, 10],
      [
        1,
        expect.closeTo(9.80665, 5),
        expect.closeTo(9.80665 ** 2, 4),
        expect.closeTo(9.80665, 5),
        expect.closeTo(9.80665, 5),
      ],
    ]);
  });

  it('adds parsed rows to the minute rollups exactly as recomputing them from the stored rows would', async () => {
    const study = await insertStudy(own.db);
    const p = await insertParticipant(own.db, study.id);
    const start = Date.UTC(2026, 10, 21, 11, 0, 0);
    // Nine decimals: not representable in FLOAT, so the single-precision rounding of the stored
    // columns shows in every sum if the parser's arithmetic differs from the server's.
    let seed = 7;
    const value = () => (((seed = (seed * 48271) % 2147483647) / 2147483647) * 20 - 10).toFixed(9);
    const DEVICEMOTION_HEADER =
      'timestamp,roll,pitch,yaw,rotation_rate_x,rotation_rate_y,rotation_rate_z,gravity_x,gravity_y,gravity_z,user_accel_x,user_accel_y,user_accel_z,magnetic_field_calibration_accuracy,magnetic_field_x,magnetic_field_y,magnetic_field_z';
    const files = [
      {
        stream: 'accelerometer',
        os: 'ANDROID',
        header: 'timestamp,accuracy,x,y,z',
        row: () => `3,${value()},${value()},${value()}`,
      },
      {
        stream: 'accelerometer',
        os: 'IOS',
        header: 'timestamp,accuracy,x,y,z',
        row: () => `unknown,${value()},${value()},${value()}`,
      },
      {
        stream: 'gyro',
        os: 'ANDROID',
        header: 'timestamp,accuracy,x,y,z',
        row: () => `2,${value()},${value()},${value()}`,
      },
      { stream: 'magnetometer', os: 'IOS', header: 'timestamp,x,y,z', row: () => `${value()},${value()},${value()}` },
      {
        stream: 'devicemotion',
        os: 'IOS',
        header: DEVICEMOTION_HEADER,
        row: () => `${Array.from({ length: 12 }, value).join(',')},high,${value()},${value()},${value()}`,
      },
    ];
    const participants: number[] = [];
    for (const f of files) {
      const q = f.os === 'IOS' ? await insertParticipant(own.db, study.id) : p;
      participants.push(q.id);
      // Three minutes at 10 Hz in two files sharing the middle minute (the second finds it rolled
      // up already), then the first file again (every row a duplicate).
      const lines = Array.from({ length: 1800 }, (_, i) => `${start + i * 100},${f.row()}`);
      const first = [f.header, ...lines.slice(0, 900)].join('\n');
      const second = [f.header, ...lines.slice(900)].join('\n');
      await run(upload(q.id, f.stream, `pid_${f.stream}_${start}.csv`, f.os), first);
      await run(upload(q.id, f.stream, `pid_${f.stream}_${start + 90_000}.csv`, f.os), second);
      expect(await run(upload(q.id, f.stream, `pid_${f.stream}_${start}.csv`, f.os), first)).toMatchObject({
        rowsStored: 0,
      });
    }
    // Also one batch holding both files of a fresh participant: minutes added from the parse alone.
    const fresh = await insertParticipant(own.db, study.id);
    participants.push(fresh.id);
    const lines = Array.from({ length: 1200 }, (_, i) => `${start + i * 100},3,${value()},${value()},${value()}`);
    const batch = [lines.slice(0, 600), lines.slice(600)].map((part, i) => ({
      upload: upload(fresh.id, 'accelerometer', `pid_accel_${start + i * 60_000}.csv`),
      plaintext: Buffer.from(['timestamp,accuracy,x,y,z', ...part].join('\n')),
    }));
    await own.db.transaction((trx) => processor({ trx, items: batch }));

    type Minute = Record<'participant_id' | 'n' | 'mag_sum' | 'mag_sq_sum' | 'mag_min' | 'mag_max', number> & {
      stream: string;
      minute: Date;
    };
    const minutes = () =>
      own
        .db('motion_minutes')
        .whereIn('participant_id', participants)
        .orderBy(['participant_id', 'stream', 'minute']) as Promise<Minute[]>;
    const incremental = await minutes();
    expect(incremental).toHaveLength(5 * 3 + 2);
    for (const id of participants) await rebuildSummaries(own.db, currentDeviceSettings, { participantId: id });
    const recomputed = await minutes();
    expect(incremental.map((m) => [m.participant_id, m.stream, m.minute, m.n, m.mag_min, m.mag_max])).toEqual(
      recomputed.map((m) => [m.participant_id, m.stream, m.minute, m.n, m.mag_min, m.mag_max])
    );
    // Sums differ only by the order of addition: relative error near double precision.
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.abs(b);
    for (const [i, m] of incremental.entries()) {
      expect(close(m.mag_sum, recomputed[i]!.mag_sum), `mag_sum ${m.mag_sum} ≠ ${recomputed[i]!.mag_sum}`).toBe(true);
      expect(close(m.mag_sq_sum, recomputed[i]!.mag_sq_sum)).toBe(true);
    }
  });

  it("loads a batch's uploads of a stream together, yet counts each one's stored rows exactly", async () => {
    const study = await insertStudy(own.db);
    const p = await insertParticipant(own.db, study.id);
    const start = Date.UTC(2026, 10, 21, 9, 0, 0);
    const file = (from: number, n: number) => {
      const lines = Array.from({ length: n }, (_, i) => `${start + (from + i) * 100},3,${i % 7},1,2`);
      return { upload: upload(p.id, 'accelerometer', `pid_accel_${start + from * 100}.csv`), lines };
    };
    const item = (f: ReturnType<typeof file>) => ({
      upload: f.upload,
      plaintext: Buffer.from(['timestamp,accuracy,x,y,z', ...f.lines].join('\n')),
    });
    const a = file(0, 300);
    await run(a.upload, ['timestamp,accuracy,x,y,z', ...a.lines].join('\n'));
    // A fresh file, the first one again (all duplicates), and one whose first row the fresh one holds.
    const b = file(600, 300);
    const again = { ...a, upload: { ...a.upload, id: ++uploadId } };
    const c = file(899, 301);
    const counts = await own.db.transaction((trx) => processor({ trx, items: [b, again, c].map(item) }));
    expect([b, again, c].map((f) => counts?.get(f.upload.id))).toEqual([
      { rowsStored: 300, rowsRejected: 0 },
      { rowsStored: 0, rowsRejected: 0 },
      { rowsStored: 300, rowsRejected: 0 },
    ]);
    const [stored] = (await own.db('accelerometer').where({ participant_id: p.id }).count({ n: '*' })) as {
      n: number;
    }[];
    expect(Number(stored?.n)).toBe(900);
    const minutes = async () =>
      (await own.db('motion_minutes').where({ participant_id: p.id }).orderBy('minute')).map((m: { n: number }) => m.n);
    const incremental = await minutes();
    await rebuildSummaries(own.db, currentDeviceSettings, { participantId: p.id });
    expect(incremental).toEqual(await minutes());
    expect(incremental.reduce((x, y) => x + y, 0)).toBe(900);
  });

  it("loads a batch holding one participant's Android and iPhone uploads of a stream, each its own way", async () => {
    const study = await insertStudy(own.db);
    const p = await insertParticipant(own.db, study.id);
    const start = Date.UTC(2026, 10, 21, 8, 0, 0);
    // Android's floats go as nine digits cast to FLOAT; iOS's doubles as they are (catalog.ts).
    const android = upload(p.id, 'gyro', `pid_gyro_${start}.csv`);
    const ios = upload(p.id, 'gyro', `pid_gyro_${start + 1000}.csv`, 'IOS');
    const items = [
      { upload: android, plaintext: Buffer.from(`timestamp,accuracy,x,y,z\n${start},3,0.1,-0.0,9.8066501617431640`) },
      { upload: ios, plaintext: Buffer.from(`timestamp,x,y,z\n${start + 1000},0.1,-0.0,0.30000000000000004`) },
    ];
    const counts = await own.db.transaction((trx) => processor({ trx, items }));
    expect([counts?.get(android.id), counts?.get(ios.id)]).toEqual([
      { rowsStored: 1, rowsRejected: 0 },
      { rowsStored: 1, rowsRejected: 0 },
    ]);
    const rows = (await own
      .db('gyro')
      .where({ participant_id: p.id })
      .orderBy('t')
      .select('os', own.db.raw('CONCAT(x_rad_s) AS x, CONCAT(y_rad_s) AS y, CONCAT(z_rad_s) AS z'))) as {
      os: number;
      x: string;
      y: string;
      z: string;
    }[];
    expect(rows.map((r) => [r.os, Number(r.x), Number(r.y), Number(r.z)])).toEqual([
      [1, Math.fround(0.1), -Number.MIN_VALUE, Math.fround(9.80665)],
      [2, 0.1, -Number.MIN_VALUE, 0.30000000000000004],
    ]);
  });

  it('counts a day in the study time zone, with the rows its duty cycle expects (a 25-hour DST day too)', async () => {
    const study = await insertStudy(own.db, { timezone: 'America/New_York' });
    const p = await insertParticipant(own.db, study.id);
    // 2026-11-01 is the day New York leaves daylight time: 25 hours long, from 04:00Z to 05:00Z the next day.
    const justBefore = Date.UTC(2026, 10, 1, 3, 59, 59, 900); // 2026-10-31 23:59:59.900 local
    const inside = Date.UTC(2026, 10, 2, 4, 59, 59, 0); // 2026-11-01 23:59:59 local (EST)
    const text = [
      'timestamp,accuracy,x,y,z',
      `${justBefore},3,1,0,0`,
      `${Date.UTC(2026, 10, 1, 4)},3,1,0,0`,
      `${inside},3,1,0,0`,
    ].join('\n');
    await run(upload(p.id, 'accelerometer', `pid_accel_${justBefore}.csv`), text);
    const days = (await own
      .db('data_quantity')
      .where({ participant_id: p.id })
      .orderBy('day')
      .select('day', 'rows', 'expected_rows')) as { day: Date; rows: number; expected_rows: number }[];
    expect(days.map((d) => [d.day.toISOString().slice(0, 10), d.rows, d.expected_rows])).toEqual([
      ['2026-10-31', 1, 432_000],
      ['2026-11-01', 2, 450_000],
    ]);
  });

  it('leaves nothing behind when an upload fails part-way (one transaction per upload)', async () => {
    const study = await insertStudy(own.db);
    const p = await insertParticipant(own.db, study.id);
    const start = Date.UTC(2026, 10, 21, 11);
    await expect(
      own.db.transaction(async (trx) => {
        await processor({
          trx,
          items: [
            {
              upload: upload(p.id, 'accelerometer', `pid_accel_${start}.csv`),
              plaintext: Buffer.from(`timestamp,accuracy,x,y,z\n${start},3,1,2,3`),
            },
          ],
        });
        throw new Error('crash after the rows were loaded');
      })
    ).rejects.toThrow('crash');
    expect(await own.db('accelerometer').where({ participant_id: p.id })).toHaveLength(0);
    expect(await own.db('motion_minutes').where({ participant_id: p.id })).toHaveLength(0);
    expect(await own.db('data_quantity').where({ participant_id: p.id })).toHaveLength(0);
  });

  it('splits day partitions ahead and drops whole days past retention, keeping the rollups', async () => {
    const created = await ensureDayPartitions(own.db, new Date(now.getTime() + 3 * 86_400_000));
    expect(created).toContain('accelerometer.p20261201');
    const partitions = async () =>
      (await own
        .db('information_schema.partitions')
        .whereRaw('table_schema = DATABASE()')
        .where({ table_name: 'accelerometer' })
        .orderBy('partition_ordinal_position')
        .pluck('partition_name')) as string[];
    expect((await partitions()).slice(0, 3)).toEqual(['p_history', 'p20261121', 'p20261122']);
    expect((await partitions()).at(-1)).toBe('p_future');

    const study = await insertStudy(own.db);
    const p = await insertParticipant(own.db, study.id);
    const day1 = Date.UTC(2026, 10, 21, 6);
    const day2 = Date.UTC(2026, 10, 22, 6);
    await run(
      upload(p.id, 'accelerometer', `pid_accel_${day1}.csv`),
      `timestamp,accuracy,x,y,z\n${day1},3,1,0,0\n${day2},3,1,0,0`
    );

    const dropped = await dropPartitionsBefore(own.db, new Date(Date.UTC(2026, 10, 22)));
    expect(dropped).toEqual(expect.arrayContaining(['accelerometer.p_history', 'accelerometer.p20261121']));
    expect(
      ((await own.db('accelerometer').where({ participant_id: p.id })) as { t: Date }[]).map((r) => r.t.getTime())
    ).toEqual([day2]);
    expect(await own.db('motion_minutes').where({ participant_id: p.id })).toHaveLength(2);
    expect((await partitions())[0]).toBe('p20261122');
    // A late row for a dropped day still finds a home: the oldest remaining partition takes it.
    await run(
      upload(p.id, 'accelerometer', `pid_accel_${day1 + 1}.csv`),
      `timestamp,accuracy,x,y,z\n${day1 + 1},3,1,0,0`
    );
    expect(await own.db('accelerometer').where({ participant_id: p.id })).toHaveLength(2);
  });

  it('a fresh install long after the first managed day splits off only today and the days ahead', async () => {
    const fresh = await createOwnDatabase('vigil_partitions');
    try {
      const later = new Date('2028-01-10T12:00:00Z');
      const created = await ensureDayPartitions(fresh.db, later, 2);
      expect(created.filter((name) => name.startsWith('accelerometer.'))).toEqual([
        'accelerometer.p20280110',
        'accelerometer.p20280111',
        'accelerometer.p20280112',
      ]);
      const study = await insertStudy(fresh.db);
      const p = await insertParticipant(fresh.db, study.id);
      // A late row from a day that got no partition of its own lands in today's, which retention
      // drops only once all of today is past.
      await fresh
        .db('accelerometer')
        .insert({ participant_id: p.id, t: new Date(Date.UTC(2027, 5, 1, 6)), os: 1, accuracy: 3, x: 1, y: 0, z: 0 });
      expect(await dropPartitionsBefore(fresh.db, later)).toContain('accelerometer.p_history');
      expect(await fresh.db('accelerometer').where({ participant_id: p.id })).toHaveLength(1);
      expect(await dropPartitionsBefore(fresh.db, new Date('2028-01-11T00:00:00Z'))).toContain(
        'accelerometer.p20280110'
      );
      expect(await fresh.db('accelerometer').where({ participant_id: p.id })).toHaveLength(0);
    } finally {
      await fresh.drop();
    }
  });

  it('the rebuild recomputes damaged rollups and data quantity from the raw rows', async () => {
    const study = await insertStudy(own.db);
    const p = await insertParticipant(own.db, study.id);
    const start = Date.UTC(2026, 10, 21, 9);
    await run(
      upload(p.id, 'accelerometer', `pid_accel_${start}.csv`),
      `timestamp,accuracy,x,y,z\n${start},3,3,4,0\n${start + 61_000},3,6,8,0`
    );
    const before = await own.db('motion_minutes').where({ participant_id: p.id }).orderBy('minute');
    const quantity = await own.db('data_quantity').where({ participant_id: p.id });
    await own.db('motion_minutes').where({ participant_id: p.id }).update({ n: 99, mag_sum: 0 });
    await own.db('data_quantity').where({ participant_id: p.id }).delete();

    expect(await rebuildSummaries(own.db, currentDeviceSettings, { participantId: p.id })).toMatchObject({
      participants: 1,
      streams: 1,
    });
    expect(await own.db('motion_minutes').where({ participant_id: p.id }).orderBy('minute')).toEqual(before);
    expect(await own.db('data_quantity').where({ participant_id: p.id })).toEqual(quantity);
  });
});
