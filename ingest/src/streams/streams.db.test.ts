import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, asViewer } from '../test/fixtures.ts';
import { createTestIngest } from '../test/test-ingest.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import type { GeneratedFile } from '../test/phone-emulator/phone.ts';
import { streamsByOs } from '../test/phone-emulator/types.ts';

/**
 * Every stream of spec §4.2, from each OS, through the real path: the emulated phone uploads, the
 * worker decrypts, the processor loads. What the tables hold must be exactly what the phone wrote,
 * as read by an oracle written from the spec's row formats (not by the parsers under test).
 */
const F = (s: string | number) => Math.fround(Number(s));
const N = (s: string | number | null) => (s === null || s === '' ? 'null' : String(Number(s)));
const fileMs = (name: string) => Number(/_(\d{10,})\.\w+$/.exec(name)![1]!.slice(0, 10)) * 1000;
const surveyOf = (name: string) =>
  /_survey(?:Answers|Timings)_([^_]+)_/.exec(name)?.[1] ?? /_voiceRecording_([^_]+)_/.exec(name)?.[1] ?? '';
const CALIBRATION: Record<string, string> = { uncalibrated: '-1', low: '0', medium: '1', high: '2', unknown: 'null' };

type Oracle = {
  table: string;
  expect: (file: GeneratedFile, os: 1 | 2) => string[];
  actual: (row: Record<string, unknown>) => string;
};
const cells = (row: string) => row.split(',').map((c) => c.trim());
const ms = (t: unknown) => (t as Date).getTime();

const xyz = (table: string, cols: [string, string, string], withOs: boolean): Oracle => ({
  table,
  expect: (file, os) =>
    file.rows.map((row) => {
      const c = cells(row);
      const hasAccuracy = file.header!.split(',').length === 5;
      const [t, acc, x, y, z] = hasAccuracy ? c : [c[0], 'unknown', c[1], c[2], c[3]];
      return withOs
        ? `${t}|${os}|${acc === 'unknown' ? 'null' : acc}|${F(x!)}|${F(y!)}|${F(z!)}`
        : `${t}|${F(x!)}|${F(y!)}|${F(z!)}`;
    }),
  actual: (r) =>
    withOs
      ? `${ms(r.t)}|${String(r.os)}|${N(r.accuracy as number | null)}|${F(r[cols[0]] as number)}|${F(r[cols[1]] as number)}|${F(r[cols[2]] as number)}`
      : `${ms(r.t)}|${F(r[cols[0]] as number)}|${F(r[cols[1]] as number)}|${F(r[cols[2]] as number)}`,
});

const DM = [
  'roll_rad',
  'pitch_rad',
  'yaw_rad',
  'rotation_rate_x_rad_s',
  'rotation_rate_y_rad_s',
  'rotation_rate_z_rad_s',
  'gravity_x_g',
  'gravity_y_g',
  'gravity_z_g',
  'user_accel_x_g',
  'user_accel_y_g',
  'user_accel_z_g',
];
const ORACLES: Record<string, Oracle> = {
  accelerometer: xyz('accelerometer', ['x', 'y', 'z'], true),
  gyro: xyz('gyro', ['x_rad_s', 'y_rad_s', 'z_rad_s'], true),
  magnetometer: xyz('magnetometer', ['x_ut', 'y_ut', 'z_ut'], false),
  devicemotion: {
    table: 'devicemotion',
    expect: (file) =>
      file.rows.map((row) => {
        const c = cells(row);
        return [c[0], ...c.slice(1, 13).map(F), CALIBRATION[c[13]!] ?? c[13], ...c.slice(14).map(F)].join('|');
      }),
    actual: (r) =>
      [
        ms(r.t),
        ...DM.map((k) => F(r[k] as number)),
        N(r.magnetic_field_calibration_accuracy as number | null),
        F(r.magnetic_field_x_ut as number),
        F(r.magnetic_field_y_ut as number),
        F(r.magnetic_field_z_ut as number),
      ].join('|'),
  },
  gps: {
    table: 'gps',
    expect: (file, os) =>
      file.rows.map((row) => {
        const [t, lat, lon, alt, acc] = cells(row);
        return `${t}|${os}|${Number(lat)}|${Number(lon)}|${Number(alt)}|${Number(acc)}`;
      }),
    actual: (r) =>
      `${ms(r.t)}|${String(r.os)}|${Number(r.latitude)}|${Number(r.longitude)}|${Number(r.altitude_m)}|${Number(r.accuracy_m)}`,
  },
  calls: {
    table: 'calls',
    expect: (f) =>
      f.rows.map((row) => {
        const [h, type, t, d] = row.split(',');
        return `${t}|${h}|${type}|${d}`;
      }),
    actual: (r) => `${ms(r.t)}|${String(r.hashed_phone_number)}|${String(r.call_type)}|${String(r.duration_s)}`,
  },
  texts: {
    table: 'texts',
    expect: (f) =>
      f.rows.map((row) => {
        const [t, h = '', dir, len = '', sent = ''] = row.split(',');
        return `${t}|${h}|${dir}|${/^\d+$/.test(len) ? len : 'null'}|${sent || 'null'}`;
      }),
    actual: (r) =>
      `${ms(r.t)}|${String(r.hashed_phone_number)}|${String(r.sent_vs_received)}|${N(r.message_length as number | null)}|${r.time_sent ? ms(r.time_sent) : 'null'}`,
  },
  power_state: {
    table: 'power_state',
    expect: (f, os) =>
      f.rows.map((row) => {
        const c = row.split(',');
        const level = os === 2 ? c.pop()! : null;
        return `${c[0]}|${os}|${c.slice(1).join(',').trim()}|${level === null || Number(level) < 0 ? 'null' : F(level)}`;
      }),
    actual: (r) =>
      `${ms(r.t)}|${String(r.os)}|${String(r.event)}|${r.battery_level === null ? 'null' : F(r.battery_level as number)}`,
  },
  wifi: {
    table: 'wifi',
    expect: (f) =>
      f.rows.flatMap((scan) =>
        scan
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => {
            const [mac, freq, rssi] = cells(l);
            return `${fileMs(f.fileName)}|${mac}|${freq}|${rssi}`;
          })
      ),
    actual: (r) => `${ms(r.t)}|${String(r.hashed_mac)}|${String(r.frequency_mhz)}|${String(r.rssi_dbm)}`,
  },
  bluetooth: {
    table: 'bluetooth',
    expect: (f) =>
      f.rows.map((row) => {
        const [t, mac, rssi] = cells(row);
        return `${t}|${mac}|${rssi}`;
      }),
    actual: (r) => `${ms(r.t)}|${String(r.hashed_mac)}|${String(r.rssi_dbm)}`,
  },
  proximity: {
    table: 'proximity',
    expect: (f) => f.rows.map((row) => cells(row).join('|')),
    actual: (r) => `${ms(r.t)}|${String(r.event)}`,
  },
  reachability: {
    table: 'reachability',
    expect: (f) => f.rows.map((row) => cells(row).join('|')),
    actual: (r) => `${ms(r.t)}|${String(r.event)}`,
  },
  app_log: {
    table: 'app_log',
    // A message's continuation lines are rows of their own at its time, marked wrapped; every row
    // keeps its file's time (to the millisecond) and its line number, the header being line 0.
    expect: (f) => {
      const stamp = /_(\d{13})\.csv$/.exec(f.fileName)![1]!;
      return [
        `${stamp}|${f.header!}|0|${stamp}|0`,
        ...f.rows
          .flatMap((row) => {
            const i = row.indexOf(',');
            const [first, ...rest] = row.slice(i + 1).split('\n');
            return [`${row.slice(0, i)}|${first}|0`, ...rest.map((line) => `${row.slice(0, i)}|${line}|1`)];
          })
          .map((row, i) => `${row}|${stamp}|${i + 1}`),
      ];
    },
    actual: (r) => `${ms(r.t)}|${String(r.message)}|${String(r.wrapped)}|${ms(r.file_t)}|${String(r.line_no)}`,
  },
  ios_log: {
    table: 'ios_log',
    expect: (f) =>
      f.rows.map((row) => {
        const c = row.split(',');
        return [
          c[0],
          c[1],
          c[2] ? F(c[2]) : 'null',
          c[3] ? F(c[3]) : 'null',
          c[4],
          c.slice(5, -4).join(','),
          ...c.slice(-4),
        ].join('|');
      }),
    actual: (r) =>
      [
        ms(r.t),
        r.launch_id,
        r.memory_mb === null ? 'null' : F(r.memory_mb as number),
        r.battery === null ? 'null' : F(r.battery as number),
        r.event,
        r.msg,
        r.d1,
        r.d2,
        r.d3,
        r.d4,
      ]
        .map(String)
        .join('|'),
  },
  survey_answers: {
    table: 'survey_answers',
    expect: (f) =>
      f.rows.map((row, i) => [fileMs(f.fileName), surveyOf(f.fileName), i, row.split(',').join('|')].join('|')),
    actual: (r) =>
      [
        ms(r.t),
        r.survey_id,
        r.row_index,
        r.question_id,
        r.question_type,
        r.question_text,
        r.question_answer_options,
        r.answer,
      ]
        .map(String)
        .join('|'),
  },
  survey_timings: {
    table: 'survey_timings',
    expect: (f) =>
      f.rows.map((row) => {
        const c = row.split(',');
        return c.length === 2
          ? [c[0], surveyOf(f.fileName), '', '', '', '', '', c[1]].join('|')
          : [c[0], surveyOf(f.fileName), ...c.slice(1, 6), c[6] ?? 'null'].join('|');
      }),
    actual: (r) =>
      [
        ms(r.t),
        r.survey_id,
        r.question_id,
        r.question_type,
        r.question_text,
        r.question_answer_options,
        r.answer,
        r.event ?? 'null',
      ]
        .map(String)
        .join('|'),
  },
  audio_recordings: {
    table: 'audio_recordings',
    expect: (f) => [`${fileMs(f.fileName)}|${surveyOf(f.fileName)}|${f.audio!.length}`],
    actual: (r) => `${ms(r.t)}|${String(r.survey_id)}|${String(r.size_bytes)}`,
  },
  ambient_audio: {
    table: 'ambient_audio',
    expect: (f) => [`${fileMs(f.fileName)}|${f.audio!.length}`],
    actual: (r) => `${ms(r.t)}|${String(r.size_bytes)}`,
  },
};

/**
 * MariaDB's text-to-DOUBLE conversion in LOAD DATA is not correctly rounded: a coordinate or an
 * accuracy can come back a couple of ulps (~1e-15 relative, nanometres) from the value sent. Same
 * rows, doubles within 1e-13. Accuracy is compared as the double it is stored as: rounded to
 * float32, those ulps once crossed a float's rounding midpoint and changed the value by 1e-7.
 */
function expectSameDoubles(stored: string[], expected: string[]) {
  expect(stored.length, 'gps rows').toBe(expected.length);
  stored.forEach((row, i) => {
    const [a, b] = [row.split('|'), expected[i]!.split('|')];
    expect(a.length).toBe(b.length);
    a.forEach((cell, j) => {
      const [x, y] = [Number(cell), Number(b[j])];
      if (j < 2) expect(cell, `gps row ${i} column ${j}`).toBe(b[j]);
      else expect(Math.abs(x - y) <= Math.abs(y) * 1e-13, `gps row ${i}: ${cell} vs ${b[j]}`).toBe(true);
    });
  });
}

/** MariaDB prints FLOAT with ~6 significant digits; cast to DOUBLE, a column reads back as the exact float32 stored. */
async function exactRows(db: Knex, table: string, participantId: number): Promise<Record<string, unknown>[]> {
  const columns = (await db('information_schema.columns')
    .whereRaw('table_schema = DATABASE()')
    .where({ table_name: table })
    .select({ name: 'column_name', type: 'data_type' })) as { name: string; type: string }[];
  const list = columns.map((c) => (c.type === 'float' ? db.raw('CAST(?? AS DOUBLE) AS ??', [c.name, c.name]) : c.name));
  return (await db(table).select(list).where({ participant_id: participantId })) as Record<string, unknown>[];
}

describe('every stream lands in its table', () => {
  let ingest: Awaited<ReturnType<typeof createTestIngest>>;
  let app: Awaited<ReturnType<typeof createTestIngest>>['app'];
  const drain = () => ingest.drain();

  beforeAll(async () => {
    ingest = await createTestIngest('vigil_streams');
    app = ingest.app;
  });
  afterAll(() => ingest.close());

  /** The admin API's view of the same data: latest time per stream, daily quantity, and the audio itself. */
  async function checkSummaryEndpoints(participantId: number, files: GeneratedFile[]) {
    const latest = (await (
      await app.request(`/api/v1/participants/${participantId}/data/latest`, { headers: asViewer })
    ).json()) as {
      streams: { stream: string; latest: string | null }[];
    };
    const accel = files
      .filter((f) => f.stream === 'accelerometer')
      .flatMap((f) => f.rows.map((r) => Number(r.split(',')[0])));
    expect(latest.streams.find((s) => s.stream === 'accelerometer')?.latest).toBe(
      new Date(Math.max(...accel)).toISOString()
    );

    const quantity = await app.request(
      `/api/v1/participants/${participantId}/data/quantity?from=2026-11-19&to=2026-11-21&stream=accelerometer`,
      { headers: asViewer }
    );
    const { days } = (await quantity.json()) as {
      days: { rows: number; expectedRows: number; completeness: number }[];
    };
    expect(days.reduce((a, d) => a + d.rows, 0)).toBe(new Set(accel).size);
    expect(days.every((d) => d.expectedRows === 432_000 && d.completeness === d.rows / 432_000)).toBe(true);

    const audio = files.find((f) => f.stream === 'audio_recordings')!;
    const [stored] = (await ingest
      .db('uploads')
      .where({ participant_id: participantId, file_name: audio.fileName })
      .pluck('id')) as number[];
    const fetched = await app.request(`/api/v1/uploads/${stored}/audio`, { headers: asViewer });
    expect(fetched.headers.get('content-type')).toMatch(/^audio\//);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(audio.audio!)).toBe(true);

    const notAudio = (await ingest
      .db('uploads')
      .where({ participant_id: participantId, stream: 'gps' })
      .first('id')) as {
      id: number;
    };
    expect((await app.request(`/api/v1/uploads/${notAudio.id}/audio`, { headers: asViewer })).status).toBe(409);
    const bad = await app.request(`/api/v1/participants/${participantId}/data/quantity?from=2026-11-21&to=2026-11-01`, {
      headers: asViewer,
    });
    expect([
      bad.status,
      ((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]?.field,
    ]).toEqual([400, 'to']);
    expect(
      (
        await app.request(`/api/v1/participants/${participantId}/data/quantity?from=yesterday&to=2026-11-01`, {
          headers: asViewer,
        })
      ).status
    ).toBe(400);
    expect((await app.request(`/api/v1/participants/${participantId}/data/latest`)).status).toBe(401);
    expect((await app.request(`/api/v1/uploads/${stored}/audio`)).status).toBe(401);
    expect((await app.request('/api/v1/participants/4000000000/data/latest', { headers: asViewer })).status).toBe(404);
  }

  for (const os of ['android', 'ios'] as const) {
    it(`${os}: the exact rows of every stream, and re-processing changes nothing`, async () => {
      const { phone, participant: enrolled } = await enrolledPhone(app, {
        label: os,
        phone: { os, seed: `streams-${os}` },
      });
      await phone.register();
      // Hours from a fixed start until every stream of the OS has appeared (the phone's data is seeded
      // by its patient id, which the server draws, so a sparse stream may skip an hour).
      const files: GeneratedFile[] = [];
      for (let hour = 0; hour < 24 && new Set(files.map((f) => f.stream)).size < streamsByOs[os].length; hour++) {
        files.push(...phone.generateFiles({ from: new Date(Date.UTC(2026, 10, 20, 9 + hour)), hours: 1 }));
      }
      for (const f of files) expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
      await drain();

      const streams = [...new Set(files.map((f) => f.stream))];
      expect(streams.sort()).toEqual([...streamsByOs[os]].sort());
      const snapshot = async () => {
        const out: Record<string, string[]> = {};
        for (const stream of streams) {
          const oracle = ORACLES[stream]!;
          const rows = await exactRows(ingest.db, oracle.table, enrolled.id);
          out[stream] = rows.map(oracle.actual).sort();
        }
        return out;
      };
      const stored = await snapshot();
      const code = os === 'android' ? 1 : 2;
      for (const stream of streams) {
        // The primary key identifies a sample: two rows the phone wrote for the same key are one row.
        const expected = [
          ...new Set(files.filter((f) => f.stream === stream).flatMap((f) => ORACLES[stream]!.expect(f, code))),
        ].sort();
        if (stream === 'gps') expectSameDoubles(stored[stream]!, expected);
        else expect(stored[stream], stream).toEqual(expected);
      }
      const [identity] = (await ingest.db('identifiers').where({ participant_id: enrolled.id })) as {
        device_id: string;
      }[];
      expect(identity?.device_id).toBe(phone.deviceId);
      // Data quantity: every stored row counted once, and the upload bytes of its days.
      const quantity = (await ingest
        .db('data_quantity')
        .where({ participant_id: enrolled.id })
        .groupBy('stream')
        .select('stream', ingest.db.raw('SUM(`rows`) AS r'), ingest.db.raw('SUM(bytes) AS b'))) as {
        stream: string;
        r: string;
        b: string;
      }[];
      const uploaded = (await ingest
        .db('uploads')
        .where({ participant_id: enrolled.id })
        .groupBy('stream')
        .select('stream', ingest.db.raw('SUM(size_bytes) AS b'))) as { stream: string; b: string }[];
      for (const stream of streams) {
        expect([stream, Number(quantity.find((q) => q.stream === stream)?.r)]).toEqual([
          stream,
          stored[stream]!.length,
        ]);
        expect([stream, Number(quantity.find((q) => q.stream === stream)?.b)]).toEqual([
          stream,
          Number(uploaded.find((u) => u.stream === stream)?.b),
        ]);
      }
      const rejected = (await ingest
        .db('uploads')
        .where({ participant_id: enrolled.id })
        .sum({ n: 'rows_rejected' })) as {
        n: number | string;
      }[];
      expect(Number(rejected[0]?.n)).toBe(0);

      await checkSummaryEndpoints(enrolled.id, files);

      // Everything processed again: every table stays byte-for-byte the same.
      const summaries = async () => [
        await ingest.db('motion_minutes').where({ participant_id: enrolled.id }).orderBy(['stream', 'minute']),
        await ingest.db('gps_minutes').where({ participant_id: enrolled.id }).orderBy('minute'),
        await ingest.db('data_quantity').where({ participant_id: enrolled.id }).orderBy(['stream', 'day']),
      ];
      const before = JSON.stringify(await summaries());
      await app.request('/api/v1/uploads/requeue', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ status: 'processed' }),
      });
      await drain();
      expect(await snapshot()).toEqual(stored);
      expect(JSON.stringify(await summaries())).toBe(before);
    });
  }
});
