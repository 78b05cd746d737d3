import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin } from '../test/fixtures.ts';
import { createTestIngest } from '../test/test-ingest.ts';
import { createPhone, type GeneratedFile } from '../test/phone-emulator/phone.ts';
import type { PhoneOs, StreamId } from '../test/phone-emulator/types.ts';
import { beiweForm, unzip } from '../test/beiwe-zip.ts';

/**
 * Byte-identical export: an Android and an iOS phone (the emulator prints numbers as the apps do)
 * upload two hours of every stream; the ZIP must equal what Beiwe's processing (spec §5.2) makes of
 * the very text the phones wrote, and the identifiers record Beiwe writes from the registration
 * form. Wi-Fi (Beiwe drops a real row per scan: not copied) and the unchunked streams are left to
 * their own tests.
 */
const HOUR = 3_600_000;

const STREAMS: Record<PhoneOs, StreamId[]> = {
  android: ['accelerometer', 'gyro', 'gps', 'calls', 'texts', 'power_state', 'bluetooth', 'app_log', 'survey_timings'],
  ios: [
    'accelerometer',
    'gyro',
    'magnetometer',
    'devicemotion',
    'gps',
    'power_state',
    'proximity',
    'reachability',
    'ios_log',
    'survey_timings',
  ],
};

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 23);
const binName = (ms: number) =>
  `${new Date(Math.floor(ms / HOUR) * HOUR).toISOString().slice(0, 19).replace('T', ' ').replaceAll(':', '_')}+00_00`;

/**
 * Beiwe's identifiers chunk (`register_user` writes the posted values, `none` for an absent one,
 * MAC from `bluetooth_id`; `fix_identifier_csv` prepends `<seconds>000` to the row).
 */
function beiweIdentifiers(pid: string, form: FormData, seconds: number): [string, string] {
  const value = (key: string) => {
    const values = form.getAll(key).filter((v): v is string => typeof v === 'string');
    return values.length ? values[values.length - 1]! : 'none'; // Django's QueryDict.get: the last
  };
  const columns = ['phone_number', 'device_id', 'device_os', 'os_version', 'product', 'brand', 'hardware_id'];
  const row = [pid, value('bluetooth_id'), ...columns.map(value), value('manufacturer'), value('model')];
  const ms = seconds * 1000;
  return [
    `${pid}/identifiers/${binName(ms)}.csv`,
    'timestamp,UTC time,patient_id,MAC,phone_number,device_id,device_os,os_version,product,brand,hardware_id,manufacturer,model,beiwe_version\n' +
      [String(ms), utc(ms), ...row, value('beiwe_version')].join(','),
  ];
}

/**
 * Beiwe's `fix_app_log_file`: the header line becomes `<file name's time> New app log file created`,
 * each line is split on its first space, and one whose first part is not a whole number takes the
 * previous row's time, unless it starts as one of the wrapped lines Beiwe drops as noise.
 */
function beiweAppLog(fileName: string, lines: string[]): string[] {
  const stamp = /_(\d+)\.csv$/.exec(fileName)![1]!;
  const noise = (row: string) =>
    row.startsWith('bluetooth Failure') ||
    row.startsWith('our not-quite-race-condition') ||
    row.slice(0, 18).includes('accelSensorManager') ||
    row.startsWith('a sessionactivity tried to clear the');
  const rows: string[][] = [];
  for (const row of [`${stamp} New app log file created`, ...lines]) {
    const space = row.indexOf(' ');
    const elements = space < 0 ? [row] : [row.slice(0, space), row.slice(space + 1)];
    if (/^\s*[+-]?\d+\s*$/.test(elements[0]!)) rows.push(elements);
    else if (!noise(row)) rows.push([rows[rows.length - 1]![0]!, row]);
  }
  return rows.map((r) => r.join(','));
}

/** Beiwe's chunks for one participant from the phone's own text: fixes, `UTC time`, hourly bins, stable time sort, exact-duplicate removal. */
function beiweChunks(pid: string, files: readonly GeneratedFile[]): Map<string, string> {
  const bins = new Map<string, { header: string; rows: { ms: number; line: string }[]; seen: Set<string> }>();
  const ordered = [...files].sort((a, b) => (a.fileName < b.fileName ? -1 : 1)); // Beiwe processes by path
  for (const f of ordered) {
    const appLog = f.stream === 'app_log';
    const header = (appLog ? 'timestamp, event' : f.header!).split(',').map((c) => c.trim());
    const surveyId = f.stream === 'survey_timings' ? /surveyTimings_([^_]+)_/.exec(f.fileName)![1]! : undefined;
    const fix = (cells: string[]): string[] => {
      if (f.stream === 'calls') return [cells[2]!, ...cells.slice(0, 2), ...cells.slice(3)];
      if (surveyId !== undefined) return [...cells.slice(0, 2), surveyId, ...cells.slice(2)];
      return cells;
    };
    const columns = surveyId === undefined ? fix(header) : [...header.slice(0, 2), 'survey id', ...header.slice(2)];
    const outHeader = [columns[0]!, 'UTC time', ...columns.slice(1)].join(',');
    const lines = f.rows.flatMap((r) => r.split(/\r?\n/)).filter((r) => r !== '');
    for (const raw of appLog ? beiweAppLog(f.fileName, lines) : lines) {
      const cells = fix(raw.split(','));
      const ms = Number(cells[0]);
      const folder = surveyId === undefined ? f.stream : `${f.stream}/${surveyId}`;
      const name = `${pid}/${folder}/${binName(ms)}.csv`;
      const bin = bins.get(name) ?? { header: outHeader, rows: [], seen: new Set<string>() };
      bins.set(name, bin);
      const line = [cells[0]!, utc(ms), ...cells.slice(1)].join(',');
      if (!bin.seen.has(line)) bin.rows.push({ ms, line });
      bin.seen.add(line);
    }
  }
  const out = new Map<string, string>();
  for (const [name, bin] of bins) {
    bin.rows.sort((a, b) => a.ms - b.ms);
    out.set(name, `${bin.header}\n${bin.rows.map((r) => r.line).join('\n')}`);
  }
  return out;
}

/** Every stream has a row, and an app log (where asked for) has a message over several lines. */
const covers = (files: readonly GeneratedFile[], streams: readonly StreamId[]) =>
  streams.every((stream) =>
    files.some((f) => f.stream === stream && f.rows.some((r) => stream !== 'app_log' || r.includes('\n')))
  );

describe('exact cells: the export is the phones’ own text', () => {
  let ingest: Awaited<ReturnType<typeof createTestIngest>>;
  const expected = new Map<string, string>();
  const osOfPid = new Map<string, PhoneOs>();
  let zip = new Map<string, Buffer>();

  beforeAll(async () => {
    ingest = await createTestIngest('vigil_exact_cells');
    const { app } = ingest;
    const post = async (path: string, body: unknown) =>
      (await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })).json();
    const study = (await post('/api/v1/studies', { name: 'Exact' })) as { id: number; objectId: string };
    // Yesterday 14:00 UTC: the phones' event streams depend on the time of day, so a window at a
    // fixed hour has every stream on any date.
    const from = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 10 * HOUR);
    const pids: string[] = [];
    for (const os of ['android', 'ios'] as const) {
      const enrolled = (await post(`/api/v1/studies/${study.id}/participants`, { label: os })) as {
        beiwe: { patientId: string; temporaryPassword: string };
      };
      const pid = enrolled.beiwe.patientId;
      pids.push(pid);
      osOfPid.set(pid, os);
      let registration: FormData | undefined;
      const phone = createPhone({
        os,
        serverUrl: 'http://vigil.test',
        patientId: pid,
        temporaryPassword: enrolled.beiwe.temporaryPassword,
        seed: `exact-${os}`,
        fetch: async (i, init) => {
          let sent = init;
          if (/\/register_user/.test(i as string)) {
            // The iOS registration also posts an empty bluetooth_id: Beiwe writes `none` only for an
            // absent field, an empty one stays empty.
            if (os === 'ios')
              sent = { ...init, body: `${Buffer.from(init!.body as Buffer).toString('utf8')}&bluetooth_id=` };
            registration = await new Request(i as string, sent).formData();
          }
          return app.request(i as string, sent);
        },
      });
      const before = Math.floor(Date.now() / 1000);
      await phone.register();
      const after = Math.floor(Date.now() / 1000);
      // The second the server stamped the record with: its file name, between the two clock reads.
      const { file_time: fileTime } = (await ingest
        .db('uploads as u')
        .join('beiwe_participants as b', 'b.participant_id', 'u.participant_id')
        .where({ 'b.patient_id': pid, 'u.stream': 'identifiers' })
        .first('u.file_time')) as { file_time: Date };
      const seconds = fileTime.getTime() / 1000;
      expect(seconds >= before && seconds <= after && Number.isInteger(seconds)).toBe(true);
      const [idName, idCsv] = beiweIdentifiers(pid, registration!, seconds);
      expected.set(idName, idCsv);
      // The phone's randomness follows its patient id, which the server draws: after two hours of
      // every stream, hours of the streams still without rows (or an app log without a message over
      // several lines) are added, so no run lacks one.
      const files = phone.generateFiles({ from, hours: 2, streams: STREAMS[os] });
      for (let hour = 2; hour < 24 && !covers(files, STREAMS[os]); hour++) {
        const lacking = STREAMS[os].filter((stream) => !covers(files, [stream]));
        files.push(
          ...phone.generateFiles({ from: new Date(from.getTime() + hour * HOUR), hours: 1, streams: lacking })
        );
      }
      expect(covers(files, STREAMS[os])).toBe(true);
      for (const f of files) expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
      for (const [name, csv] of beiweChunks(pid, files)) expected.set(name, csv);
    }
    await ingest.drain();
    const key = (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'exact' })) as {
      accessKey: string;
      secretKey: string;
    };
    const res = await app.request(
      '/get-data/v1',
      beiweForm({
        access_key: key.accessKey,
        secret_key: key.secretKey,
        study_id: study.objectId,
        participant_ids: JSON.stringify(pids),
        data_streams: JSON.stringify([...new Set([...STREAMS.android, ...STREAMS.ios]), 'identifiers']),
      })
    );
    expect(res.status).toBe(200);
    zip = unzip(Buffer.from(await res.arrayBuffer()));
  }, 240_000);
  afterAll(() => ingest.close());

  it('has Beiwe’s entries, no more and no fewer', () => {
    expect([...zip.keys()].filter((n) => n !== 'registry').sort()).toEqual([...expected.keys()].sort());
    const streams = new Set([...expected.keys()].map((n) => `${n.split('/')[0]}/${n.split('/')[1]}`));
    expect(streams.size).toBe(STREAMS.android.length + STREAMS.ios.length + 2);
  });

  it('identifiers (both OSes): the record Beiwe writes at registration, byte for byte', () => {
    const names = [...expected.keys()].filter((n) => n.split('/')[1] === 'identifiers');
    expect(names).toHaveLength(2);
    for (const name of names) expect(zip.get(name)?.toString('utf8'), name).toBe(expected.get(name));
  });

  for (const os of ['android', 'ios'] as const) {
    for (const stream of STREAMS[os]) {
      it(`${os} ${stream}: every entry byte for byte`, () => {
        const names = [...expected.keys()].filter(
          (n) => n.split('/')[1] === stream && osOfPid.get(n.split('/')[0]!) === os
        );
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          const actual = zip.get(name)!.toString('utf8').split('\n');
          const wanted = expected.get(name)!.split('\n');
          // Line by line first, so a failure names the first differing row.
          for (let i = 0; i < Math.max(actual.length, wanted.length); i++) {
            expect(actual[i], `${name} line ${i}`).toBe(wanted[i]);
          }
        }
      });
    }
  }
});

describe('exact cells: a participant who moved from Android to iOS keeps each phone’s layout', () => {
  let ingest: Awaited<ReturnType<typeof createTestIngest>>;
  afterAll(() => ingest.close());

  it('survey timings: the Android hours with Android’s header and cells, the iOS hours with iOS’s', async () => {
    ingest = await createTestIngest('vigil_exact_cells_switch');
    const { app } = ingest;
    const post = async (path: string, body?: unknown) =>
      (
        await app.request(path, {
          method: 'POST',
          headers: asAdmin,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
      ).json();
    const study = (await post('/api/v1/studies', { name: 'Switch' })) as { id: number; objectId: string };
    const enrolled = (await post(`/api/v1/studies/${study.id}/participants`, { label: 'switch' })) as {
      id: number;
      beiwe: { patientId: string; temporaryPassword: string };
    };
    const pid = enrolled.beiwe.patientId;
    const from = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 10 * HOUR);
    const files: GeneratedFile[] = [];
    let password = enrolled.beiwe.temporaryPassword;
    for (const [os, start] of [
      ['android', from],
      ['ios', new Date(from.getTime() + 3 * HOUR)],
    ] as const) {
      const phone = createPhone({
        os,
        serverUrl: 'http://vigil.test',
        patientId: pid,
        temporaryPassword: password,
        seed: `switch-${os}`,
        fetch: (i, init) => Promise.resolve(app.request(i as string, init)),
      });
      await phone.register();
      const written = phone.generateFiles({ from: start, hours: 2, streams: ['survey_timings'] });
      for (const f of written) expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
      files.push(...written);
      // The new phone enrols with a new temporary password.
      password = (
        (await post(`/api/v1/participants/${enrolled.id}/beiwe/reset-password`)) as { temporaryPassword: string }
      ).temporaryPassword;
    }
    await ingest.drain();
    const key = (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'switch' })) as {
      accessKey: string;
      secretKey: string;
    };
    const res = await app.request(
      '/get-data/v1',
      beiweForm({
        access_key: key.accessKey,
        secret_key: key.secretKey,
        study_id: study.objectId,
        participant_ids: JSON.stringify([pid]),
        data_streams: JSON.stringify(['survey_timings']),
      })
    );
    expect(res.status).toBe(200);
    const zip = unzip(Buffer.from(await res.arrayBuffer()));
    const expected = beiweChunks(pid, files);
    expect([...zip.keys()].filter((n) => n !== 'registry').sort()).toEqual([...expected.keys()].sort());
    // Both layouts are there: the test would pass vacuously with one phone's files only.
    const headers = new Set([...expected.values()].map((csv) => csv.split('\n')[0]));
    expect(headers.size).toBe(2);
    for (const [name, csv] of expected) {
      const actual = zip.get(name)!.toString('utf8').split('\n');
      const wanted = csv.split('\n');
      for (let i = 0; i < Math.max(actual.length, wanted.length); i++) {
        expect(actual[i], `${name} line ${i}`).toBe(wanted[i]);
      }
    }
  }, 240_000);
});
