import { describe, expect, it } from 'vitest';
import { phoneBook } from './event-streams.ts';
import { createIdentifierHasher, newInstallSecrets } from './identifiers.ts';
import { createPrng } from './prng.ts';
import type { StreamContext } from './stream-context.ts';
import { streamSettings } from './stream-context.ts';
import { generatePlainFiles } from './streams.ts';
import { sanitizeAndroid, sanitizeIos } from './survey-streams.ts';
import { defaultSurveys } from './surveys.ts';
import type { PhoneOs, PlainFile, StreamId } from './types.ts';

// Headers copied from the text of specs/beiwe-protocol.md §4.2, not from headers.ts.
const SPEC_HEADERS: Record<PhoneOs, Partial<Record<StreamId, string>>> = {
  android: {
    accelerometer: 'timestamp,accuracy,x,y,z',
    gyro: 'timestamp,accuracy,x,y,z',
    gps: 'timestamp, latitude, longitude, altitude, accuracy',
    calls: 'hashed phone number,call type,timestamp,duration in seconds',
    texts: 'timestamp,hashed phone number,sent vs received,message length,time sent',
    power_state: 'timestamp, event',
    wifi: 'hashed MAC, frequency, RSSI',
    bluetooth: 'timestamp, hashed MAC, RSSI',
    app_log: 'THIS LINE IS A LOG FILE HEADER',
    survey_answers: 'question id,question type,question text,question answer options,answer',
    survey_timings: 'timestamp,question id,question type,question text,question answer options,answer',
  },
  ios: {
    accelerometer: 'timestamp,accuracy,x,y,z',
    gyro: 'timestamp,x,y,z',
    magnetometer: 'timestamp,x,y,z',
    devicemotion:
      'timestamp,roll,pitch,yaw,rotation_rate_x,rotation_rate_y,rotation_rate_z,gravity_x,gravity_y,gravity_z,user_accel_x,user_accel_y,user_accel_z,magnetic_field_calibration_accuracy,magnetic_field_x,magnetic_field_y,magnetic_field_z',
    gps: 'timestamp,latitude,longitude,altitude,accuracy',
    power_state: 'timestamp,event,level',
    proximity: 'timestamp,event',
    reachability: 'timestamp,event',
    ios_log: 'timestamp,launchId,memory,battery,event,msg,d1,d2,d3,d4',
    survey_answers: 'question id,question type,question text,question answer options,answer',
    survey_timings: 'timestamp,question id,question type,question text,question answer options,answer,event',
  },
};

const FROM = Date.UTC(2026, 0, 5, 9);
const MS = /^\d{13}$/;
const JAVA = /^-?\d+\.\d{16}$/;
const SWIFT = /^-?(\d+\.\d+|\d(\.\d+)?e[+-]\d{2,3})$/;
const HASH88 = /^[A-Za-z0-9_-]{86}==$/;

function generate(os: PhoneOs, hours: number, streams?: StreamId[], seed = 'streams-test'): PlainFile[] {
  const random = createPrng(seed);
  const ctx: StreamContext = {
    os,
    patientId: 'abcd1234',
    from: FROM,
    to: FROM + hours * 3_600_000,
    settings: streamSettings(),
    random: random.fork('rows'),
    hasher: createIdentifierHasher(newInstallSecrets(random.fork('install'))),
    contacts: phoneBook(random.fork('contacts')),
  };
  return generatePlainFiles(ctx, defaultSurveys(random.fork('surveys'), os), streams);
}

const textFiles = (files: PlainFile[], stream: StreamId) =>
  files.filter((f): f is Extract<PlainFile, { kind: 'text' }> => f.kind === 'text' && f.stream === stream);
const rowsOf = (files: PlainFile[], stream: StreamId) => textFiles(files, stream).flatMap((f) => f.rows);
const cells = (row: string) => row.split(',');

describe.each(['android', 'ios'] as const)('%s: every stream', (os) => {
  const files = generate(os, 2);

  it('produces a file for every stream the OS has, with the spec header', () => {
    const expected =
      os === 'android'
        ? [...Object.keys(SPEC_HEADERS.android), 'audio_recordings', 'ambient_audio']
        : [...Object.keys(SPEC_HEADERS.ios), 'audio_recordings'];
    expect(new Set(files.map((f) => f.stream))).toEqual(new Set(expected));
    for (const file of files) {
      if (file.kind === 'text') expect(file.header).toBe(SPEC_HEADERS[os][file.stream]);
    }
  });

  it('names text files {pid}_{token}_{millis}.csv and audio per OS', () => {
    for (const file of files) {
      if (file.kind === 'text') expect(file.fileName).toMatch(/^abcd1234_[A-Za-z_]+(_[0-9a-f]{24})?_\d{13}\.csv$/);
      else if (file.stream === 'ambient_audio') expect(file.fileName).toMatch(/^abcd1234_ambientAudio_\d{10}\.mp4$/);
      else
        expect(file.fileName).toMatch(
          os === 'android'
            ? /^abcd1234_voiceRecording_[0-9a-f]{24}_\d{10}\.mp4$/
            : /^abcd1234_voiceRecording_[0-9a-f]{24}_\d{13}\.wav$/
        );
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = generate(os, 2);
    expect(again.map((f) => f.fileName)).toEqual(files.map((f) => f.fileName));
    expect(rowsOf(again, 'accelerometer')).toEqual(rowsOf(files, 'accelerometer'));
    expect(rowsOf(generate(os, 2, ['accelerometer'], 'other seed'), 'accelerometer')).not.toEqual(
      rowsOf(files, 'accelerometer')
    );
  });

  it('duty-cycles the accelerometer 10 s on, 10 s off at about 10 Hz', () => {
    const rows = rowsOf(files, 'accelerometer');
    expect(rows.length).toBeGreaterThan(2 * 180 * 95);
    expect(rows.length).toBeLessThan(2 * 180 * 105);
    expect(rows.filter((row) => (Number(cells(row)[0]) - FROM) % 20_000 >= 10_000)).toEqual([]);
  });

  it('writes accelerometer rows in the OS units and number format', () => {
    const rows = rowsOf(files, 'accelerometer');
    const number = os === 'android' ? JAVA : SWIFT;
    expect(cells(rows[0] ?? '')[1]).toBe('unknown');
    const [low, high] = os === 'android' ? [8.5, 11] : [0.85, 1.15];
    const bad = rows.filter((row) => {
      const [t, accuracy, x, y, z] = cells(row) as [string, string, string, string, string];
      const g = Math.hypot(Number(x), Number(y), Number(z));
      const accuracyOk = os === 'android' ? /^(unknown|[0-3])$/.test(accuracy) : accuracy === 'unknown';
      return !MS.test(t) || !accuracyOk || ![x, y, z].every((v) => number.test(v)) || g < low || g > high;
    });
    expect(bad).toEqual([]);
    if (os === 'android') expect(rows.some((row) => cells(row)[1] === '3')).toBe(true);
  });

  it('writes gyro and GPS rows with the OS column set', () => {
    const number = os === 'android' ? JAVA : SWIFT;
    const gyro = rowsOf(files, 'gyro');
    expect(gyro.length).toBeGreaterThan(1000);
    const valueColumns = os === 'android' ? 2 : 1;
    const badGyro = gyro.filter((row) => {
      const parts = cells(row);
      return parts.length !== valueColumns + 3 || !parts.slice(valueColumns).every((v) => number.test(v));
    });
    expect(badGyro).toEqual([]);
    const gps = rowsOf(files, 'gps');
    expect(gps.length).toBeGreaterThan(100);
    const badGps = gps.filter((row) => {
      const [t, lat, lon, ...rest] = cells(row) as [string, string, string, string, string];
      const near = Math.abs(Number(lon) + 71.06) < 0.2 && Math.abs(Number(lat) - 42.36) < 0.2;
      return !MS.test(t) || rest.length !== 2 || ![lat, lon, ...rest].every((v) => number.test(v)) || !near;
    });
    expect(badGps).toEqual([]);
  });

  it('writes power state rows as the OS does', () => {
    const rows = rowsOf(files, 'power_state');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      if (os === 'android')
        expect(row).toMatch(
          /^\d{13},(Screen turned (on|off)|Power (connected|disconnected)|Power Save Mode .*|Device Idle \(Doze\) .*)$/
        );
      else expect(row).toMatch(/^\d{13},(Locked|Unlocked|Charging|Full|Unplugged|PowerUnknown),(0\.\d+|1\.0)$/);
    }
  });

  it('rotates files every 900 s: Android creates them even when empty, iOS only on first write', () => {
    const power = textFiles(files, 'power_state');
    if (os === 'android') {
      expect(power).toHaveLength(8);
      expect(textFiles(files, 'calls')).toHaveLength(8);
    } else {
      expect(power.length).toBeLessThanOrEqual(8);
      for (const file of power) expect(file.rows.length).toBeGreaterThan(0);
    }
  });
});

describe('Android-only streams', () => {
  const files = generate('android', 48, ['calls', 'texts', 'wifi', 'bluetooth', 'app_log']);

  it('calls: hashed number first, the timestamp in column 3', () => {
    const rows = rowsOf(files, 'calls');
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows)
      expect(row).toMatch(/^[A-Za-z0-9_-]{86}==,(Outgoing Call|Incoming Call|Missed Call),\d{13},\d+$/);
  });

  it('texts: all four row shapes', () => {
    const rows = rowsOf(files, 'texts');
    const shapes = [
      /^\d{13},[A-Za-z0-9_-]{86}==,sent SMS,\d+$/,
      /^\d{13},[A-Za-z0-9_-]{86}==,received SMS,\d+,\d{13}$/,
      /^\d{13},[A-Za-z0-9_-]{86}==,received MMS,$/,
      /^\d{13},,sent MMS,MMS$/,
    ];
    for (const row of rows) expect(shapes.some((shape) => shape.test(row))).toBe(true);
    for (const shape of shapes) expect(rows.some((row) => shape.test(row))).toBe(true);
  });

  it('wifi: one file per scan, one line of hash,freq,rssi rows each ending in a newline', () => {
    const wifi = textFiles(files, 'wifi');
    expect(wifi).toHaveLength(48 * 12);
    for (const file of wifi.slice(0, 50)) {
      expect(file.rows).toHaveLength(1);
      const scan = file.rows[0] ?? '';
      expect(scan.endsWith('\n')).toBe(true);
      for (const row of scan.slice(0, -1).split('\n')) {
        const [hash, frequency, rssi] = cells(row);
        expect(hash).toMatch(HASH88);
        expect(frequency).toMatch(/^(24\d\d|5\d\d\d)$/);
        expect(rssi).toMatch(/^-\d{2}$/);
      }
    }
  });

  it('bluetooth and the app log', () => {
    for (const row of rowsOf(files, 'bluetooth')) expect(row).toMatch(/^\d{13},[A-Za-z0-9_-]{86}==,-\d{2}$/);
    for (const row of rowsOf(files, 'app_log')) expect(row).toMatch(/^\d{13},[^,]+$/);
  });
});

describe('iOS-only streams', () => {
  const files = generate('ios', 4, ['magnetometer', 'devicemotion', 'proximity', 'reachability', 'ios_log']);

  it('magnetometer and devicemotion column sets', () => {
    expect(
      rowsOf(files, 'magnetometer').filter(
        (row) =>
          cells(row).length !== 4 ||
          !cells(row)
            .slice(1)
            .every((v) => SWIFT.test(v))
      )
    ).toEqual([]);
    const motion = rowsOf(files, 'devicemotion');
    expect(motion.length).toBeGreaterThan(0);
    const bad = motion.filter((row) => {
      const parts = cells(row);
      const numbers = [...parts.slice(1, 13), ...parts.slice(14)];
      return (
        parts.length !== 17 ||
        !/^(uncalibrated|low|medium|high|unknown)$/.test(parts[13] ?? '') ||
        !numbers.every((v) => SWIFT.test(v))
      );
    });
    expect(bad).toEqual([]);
  });

  it('proximity and reachability events', () => {
    for (const row of rowsOf(files, 'proximity')) expect(row).toMatch(/^\d{13},(NearUser|NotNearUser)$/);
    const reach = rowsOf(files, 'reachability');
    expect(reach.length).toBeGreaterThan(0);
    for (const row of reach) expect(row).toMatch(/^\d{13},(wifi|cellular)$/);
  });

  it('ios_log: ten columns, an event counter last, a file_create for each other file', () => {
    const rows = rowsOf(files, 'ios_log');
    rows.forEach((row, i) => {
      const parts = cells(row);
      expect(parts).toHaveLength(10);
      expect(parts[9]).toBe(String(i));
    });
    const created = new Set(rows.filter((r) => cells(r)[4] === 'file_create').map((r) => cells(r)[6]));
    for (const file of files)
      if (file.stream !== 'ios_log') expect(created.has(file.fileName.replace('.csv', ''))).toBe(true);
  });
});

describe('survey files (§4.2, §4.4)', () => {
  it('sanitises fields per OS', () => {
    expect(sanitizeAndroid('a, b\tc\nd\re')).toBe('a; b  c  d  e');
    expect(sanitizeIos('a, b\tc\nd\re')).toBe('a; b c d e');
  });

  it('Android: no info boxes in answers, [a; b] options, first-rendered and submit rows in timings', () => {
    const files = generate('android', 1, ['survey_answers', 'survey_timings']);
    const answers = rowsOf(files, 'survey_answers');
    expect(answers).toHaveLength(5);
    for (const row of answers) expect(cells(row)).toHaveLength(5);
    expect(answers.some((r) => r.includes('Info Text Box'))).toBe(false);
    expect(answers[0]).toMatch(
      /,Radio Button Question,How did you sleep; overall\?,\[Badly; OK; I guess; Well\],(Badly|OK; I guess|Well|NO_ANSWER_SELECTED)$/
    );
    expect(answers[2]).toMatch(
      /,Slider Question,Rate your mood {2}\(0 = worst\),min = 0; max = 10,(\d+|NO_ANSWER_SELECTED)$/
    );
    const timings = rowsOf(files, 'survey_timings');
    expect(timings[0]).toMatch(/^\d{13},Survey first rendered and displayed to user$/);
    expect(timings[timings.length - 1]).toMatch(/^\d{13},User hit submit$/);
  });

  it('iOS: raw question types, [a;b] options, NOT_PRESENTED until shown, an event column in timings', () => {
    const files = generate('ios', 1, ['survey_answers', 'survey_timings']);
    const answers = rowsOf(files, 'survey_answers');
    expect(answers).toHaveLength(6);
    expect(answers[0]).toMatch(/,info_text_box,Welcome back\. Please answer honestly; thank you\.,,$/);
    expect(answers[1]).toMatch(/,radio_button,How did you sleep; overall\?,\[Badly;OK; I guess;Well\],/);
    const timings = rowsOf(files, 'survey_timings');
    for (const row of timings) expect(cells(row)).toHaveLength(7);
    expect(timings.find((r) => r.includes(',radio_button,') && r.endsWith(',present'))).toContain(
      ',NOT_PRESENTED,present'
    );
    expect(timings[timings.length - 1]).toMatch(/^\d{13},,,,,,submitted$/);
  });

  it('audio recordings look like the right container', () => {
    const android = generate('android', 1, ['audio_recordings', 'ambient_audio']);
    for (const file of android)
      if (file.kind === 'binary') expect(file.bytes.subarray(4, 12).toString('latin1')).toBe('ftypM4A ');
    const [ios] = generate('ios', 1, ['audio_recordings']);
    if (ios?.kind !== 'binary') throw new Error('no iOS recording');
    expect(ios.bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(ios.bytes.subarray(8, 16).toString('latin1')).toBe('WAVEfmt ');
    expect(ios.bytes.readUInt32LE(40)).toBe(ios.bytes.length - 44);
  });

  it('refuses streams the OS does not have', () => {
    expect(() => generate('ios', 1, ['wifi'])).toThrow(/ios phones do not produce wifi/);
  });
});
