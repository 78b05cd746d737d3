import { describe, expect, it } from 'vitest';
import { BEIWE_STREAMS, parseUploadFileName, type ParsedFileName } from './file-name.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const parse = (name: string) => parseUploadFileName(name, NOW);

function expectParsed(name: string): ParsedFileName {
  const result = parse(name);
  if (!result.ok) throw new Error(`${name}: ${result.code} ${result.reason}`);
  return result;
}

describe('parseUploadFileName', () => {
  it('parses an Android accelerometer file (§4.1)', () => {
    expect(expectParsed('abcd1234_accel_1700000000123.csv')).toEqual({
      ok: true,
      name: 'abcd1234_accel_1700000000123.csv',
      patientId: 'abcd1234',
      stream: 'accelerometer',
      path: 'abcd1234/accel/1700000000123.csv',
      timestamp: new Date(1_700_000_000_000),
      stampMs: 1_700_000_000_123,
      extension: 'csv',
      binary: false,
    });
  });

  it('maps every upload name of the §4.1 table', () => {
    const table: Record<string, string> = {
      accel: 'accelerometer',
      gyro: 'gyro',
      magnetometer: 'magnetometer',
      devicemotion: 'devicemotion',
      gps: 'gps',
      callLog: 'calls',
      textsLog: 'texts',
      powerState: 'power_state',
      wifiLog: 'wifi',
      bluetoothLog: 'bluetooth',
      proximity: 'proximity',
      reachability: 'reachability',
      logFile: 'app_log',
      identifiers: 'identifiers',
      surveyAnswers: 'survey_answers',
      surveyTimings: 'survey_timings',
      ambientAudio: 'ambient_audio',
    };
    for (const [upload, stream] of Object.entries(table)) {
      expect(expectParsed(`abcd1234_${upload}_1700000000000.csv`).stream, upload).toBe(stream);
    }
    expect(expectParsed('abcd1234_voiceRecording_5873fe38644ad7557b168e43_1700000000.mp4').stream).toBe(
      'audio_recordings'
    );
    expect(BEIWE_STREAMS).toHaveLength(19);
    expect(new Set([...Object.values(table), 'audio_recordings', 'ios_log'])).toEqual(new Set(BEIWE_STREAMS));
  });

  it('recognises the iOS log, whose name the _→/ rewrite splits', () => {
    const parsed = expectParsed('abcd1234_ios_log_1700000000000.csv');
    expect(parsed.stream).toBe('ios_log');
    expect(parsed.path).toBe('abcd1234/ios/log/1700000000000.csv');
  });

  it('reads survey ids and treats audio as binary', () => {
    const survey = '5873fe38644ad7557b168e43';
    expect(expectParsed(`abcd1234_surveyTimings_${survey}_1700000000000.csv`)).toMatchObject({
      stream: 'survey_timings',
      surveyId: survey,
      path: `abcd1234/surveyTimings/${survey}/1700000000000.csv`,
      binary: false,
    });
    expect(expectParsed(`abcd1234_surveyAnswers_${survey}_1700000000000.csv`).surveyId).toBe(survey);
    const audio = expectParsed(`abcd1234_voiceRecording_${survey}_1700000000.wav`);
    expect(audio).toMatchObject({ surveyId: survey, extension: 'wav', binary: true });
    expect(audio.timestamp).toEqual(new Date(1_700_000_000_000));
    const ambient = expectParsed('abcd1234_ambientAudio_1700000000.mp4');
    expect(ambient.binary).toBe(true);
    expect(ambient).not.toHaveProperty('surveyId');
    expect(expectParsed('abcd1234_surveyAnswers_1700000000000.csv').surveyId).toBeUndefined();
    expect(expectParsed(`abcd1234_gps_1700000000000.csv`).surveyId).toBeUndefined();
  });

  it('rejects the obviously invalid names of §3.6', () => {
    for (const name of [
      '',
      'rList-org.beiwe.app-123.csv',
      'PersistedInstallation.abc.json',
      'abcd1234_accel_1700000000000',
      'abcd1234_accel_1700000000000.CSV',
      'abcd1234_accel_1700000000000.csv.gz',
      'abcd1234_accel_1700000000000.exe',
    ]) {
      expect(parse(name), name).toMatchObject({ ok: false, code: 'obviously_invalid' });
    }
  });

  it('accepts every upload extension', () => {
    for (const extension of ['csv', 'json', 'mp4', 'wav', 'txt', 'jpg']) {
      expect(expectParsed(`abcd1234_gps_1700000000000.${extension}`).extension).toBe(extension);
    }
  });

  it('rejects names that could escape or confuse a storage path', () => {
    for (const name of [
      '.._accel_1700000000000.csv',
      'abcd1234_accel_..1700000000000.csv',
      'abcd1234/accel_1700000000000.csv',
      'abcd1234\\accel_1700000000000.csv',
      'abcd1234_accel\0_1700000000000.csv',
      'abcd1234_accel\n_1700000000000.csv',
      'abcd1234_accel\u0085_1700000000000.csv',
      'abcd1234_accel\x7f_1700000000000.csv',
    ]) {
      expect(parse(name), JSON.stringify(name)).toMatchObject({ ok: false, code: 'unsafe' });
    }
  });

  it('rejects what an archive key cannot hold: other characters, empty or hidden parts, long parts or names', () => {
    for (const name of [
      'abcd1234_accel _1700000000000.csv',
      'abcd1234_accel_1700000000000:1.csv',
      'abcd1234_accel_ü_1700000000000.csv',
      'abcd1234_accel_😀_1700000000000.csv',
      'abcd1234_accel__1700000000000.csv',
      'abcd1234_accel_.x_1700000000000.csv',
      `abcd1234_surveyAnswers_${'s'.repeat(181)}_1700000000000.csv`,
      `abcd1234_accel_${'x'.repeat(240)}_1700000000000.csv`,
    ]) {
      expect(parse(name), name).toMatchObject({ ok: false, code: 'unsafe' });
    }
    expect(expectParsed(`abcd1234_surveyAnswers_${'s'.repeat(180)}_1700000000000.csv`).surveyId).toHaveLength(180);
  });

  it('rejects unknown streams and names without a stream', () => {
    expect(parse('abcd1234_heartRate_1700000000000.csv')).toMatchObject({ ok: false, code: 'unknown_stream' });
    expect(parse('abcd1234_1700000000000.csv')).toMatchObject({ ok: false, code: 'malformed' });
    expect(parse('_accel_1700000000000.csv')).toMatchObject({ ok: false, code: 'malformed' });
    expect(parse('abcd1234_1700000000000_accel.csv')).toMatchObject({ ok: false });
  });

  it('takes the first 10 digits as seconds, valid from 2014-08-01 to now + 90 days', () => {
    expect(expectParsed('p_gps_1406851200000.csv').timestamp).toEqual(new Date('2014-08-01T00:00:00Z'));
    expect(parse('p_gps_1406851199999.csv')).toMatchObject({ ok: false, code: 'bad_timestamp' });
    const limit = NOW.getTime() / 1000 + 90 * 86400;
    expect(expectParsed(`p_gps_${limit}.csv`).timestamp.getTime()).toBe(limit * 1000);
    expect(parse(`p_gps_${limit + 1}.csv`)).toMatchObject({ ok: false, code: 'bad_timestamp' });
    expect(expectParsed('p_gps_1700000000999.csv').timestamp).toEqual(new Date(1_700_000_000_000));
    for (const time of ['170000000', '17000000x0000', '-1700000000', '', '1.7e12']) {
      expect(parse(`p_gps_${time}.csv`), time).toMatchObject({ ok: false, code: 'bad_timestamp' });
    }
  });
});
