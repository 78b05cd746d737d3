import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhone, RegistrationRejected } from './phone.ts';
import type { RecordedRequest, Reply } from './test-server.ts';
import { defaultDeviceSettingsJson, registrationReply, startRecordingServer } from './test-server.ts';
import { decryptBinaryForTest, decryptForTest } from './test-keys.ts';

const sha = (text: string) =>
  createHash('sha256').update(text).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  reply: (r: RecordedRequest) => Reply = (r) =>
    r.path.includes('register_user') ? registrationReply() : { status: 200, body: 'upload successful.' }
) {
  const server = await startRecordingServer(reply);
  servers.push(server);
  return server;
}

/** Android bodies split the way Django does: on `&`, then on the first `=`. Repeats kept. */
function androidPairs(body: Buffer): [string, string][] {
  return body
    .toString('utf8')
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]);
}

const base = { patientId: 'abcd1234', temporaryPassword: 'temppass', seed: 7, newPassword: 'n3w-passw0rd' };

describe('Android requests', () => {
  it('registers with the unescaped hand-built body, common fields first, device_id and os_version repeated', async () => {
    const server = await serve();
    const phone = createPhone({ ...base, os: 'android', serverUrl: server.url });
    await phone.register();
    const [request] = server.requests;
    expect(request?.path).toBe('/register_user');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const text = request?.body.toString('utf8') ?? '';
    expect(text).not.toMatch(/%[0-9A-F]{2}/);
    expect(text).toContain('&model=Pixel 7&');
    expect(text).toContain('device_status_report={"time_locale":');
    expect(text.endsWith('&')).toBe(true);
    const pairs = androidPairs(request?.body ?? Buffer.alloc(0));
    expect(pairs.map(([k]) => k)).toEqual([
      ...[
        'patient_id',
        'password',
        'device_id',
        'version_code',
        'version_name',
        'os_version',
        'device_status_report',
        'timezone',
      ],
      ...[
        'new_password',
        'phone_number',
        'device_id',
        'device_os',
        'os_version',
        'hardware_id',
        'brand',
        'manufacturer',
        'model',
        'product',
        'beiwe_version',
      ],
    ]);
    const field = Object.fromEntries(pairs);
    expect(field.password).toBe(sha('temppass'));
    expect(field.new_password).toBe('n3w-passw0rd');
    expect(field.phone_number).toHaveLength(88);
    expect(field.device_id).toBe(phone.deviceId);
    expect(phone.deviceId).toHaveLength(44);
    expect(field.device_os).toBe('Android');
    expect(field.beiwe_version).toBe('googlePlayStore-3.6.0');
  });

  it('uploads file_name then the raw file last, with =, : and newlines intact and no trailing &', async () => {
    const server = await serve();
    const phone = createPhone({ ...base, os: 'android', serverUrl: server.url });
    await phone.register();
    const [file] = phone.generateFiles({ from: new Date('2026-01-05T09:00:00Z'), hours: 0.25, streams: ['gps'] });
    if (!file) throw new Error('no gps file');
    expect((await phone.upload(file.fileName, file.bytes)).body).toBe('upload successful.');
    const request = server.requests[1];
    expect(request?.path).toBe('/upload');
    const body = request?.body ?? Buffer.alloc(0);
    const marker = Buffer.from(`&file_name=${file.fileName}&file=`);
    const at = body.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    expect(body.subarray(at + marker.length)).toEqual(file.bytes);
    expect(file.bytes.includes('=:')).toBe(true);
    expect(file.bytes.includes('\n')).toBe(true);
    expect(Object.fromEntries(androidPairs(body.subarray(0, at + 1))).password).toBe(sha('n3w-passw0rd'));
    const decrypted = decryptForTest(body.subarray(at + marker.length));
    expect(decrypted.lines).toEqual([file.header, ...file.rows]);
  });

  it('re-posts registration unhashed after a second when anonymised hashing is off', async () => {
    const settings = { ...defaultDeviceSettingsJson(), use_anonymized_hashing: false };
    const server = await serve(() => registrationReply(settings));
    const slept: number[] = [];
    const phone = createPhone({
      ...base,
      os: 'android',
      serverUrl: server.url,
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    await phone.register();
    expect(slept).toEqual([1000]);
    expect(server.requests.map((r) => r.path)).toEqual(['/register_user', '/register_user']);
    const second = Object.fromEntries(androidPairs(server.requests[1]?.body ?? Buffer.alloc(0)));
    expect(second.password).toBe(sha('temppass'));
    expect(second.phone_number).toBe('null_data');
  });

  it('rejects a registration the app could not use', async () => {
    const keyless = await serve(() => ({ status: 200, body: '{"device_settings":{}}' }));
    await expect(createPhone({ ...base, os: 'android', serverUrl: keyless.url }).register()).rejects.toThrow(
      RegistrationRejected
    );
    const withoutSettings = await serve(() => {
      const reply = registrationReply();
      const json = JSON.parse(reply.body ?? '{}') as Record<string, unknown>;
      delete (json.device_settings as Record<string, unknown>).wifi_log_frequency_seconds;
      return { ...reply, body: JSON.stringify(json) };
    });
    await expect(createPhone({ ...base, os: 'android', serverUrl: withoutSettings.url }).register()).rejects.toThrow(
      /wifi_log_frequency_seconds/
    );
    // iOS only needs a loadable key.
    await expect(createPhone({ ...base, os: 'ios', serverUrl: withoutSettings.url }).register()).resolves.toMatchObject(
      { status: 200 }
    );
    const forbidden = await serve(() => ({ status: 403 }));
    await expect(createPhone({ ...base, os: 'android', serverUrl: forbidden.url }).register()).rejects.toThrow(/403/);
  });
});

describe('iOS requests', () => {
  it('registers with an escaped, key-sorted urlencoded body', async () => {
    const server = await serve();
    const phone = createPhone({ ...base, os: 'ios', serverUrl: server.url });
    await phone.register();
    const request = server.requests[0];
    expect(request?.path).toBe('/register_user/ios/');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    const text = request?.body.toString('utf8') ?? '';
    expect(text).toContain('model=iPhone14%2C5');
    expect(text).toContain('device_status_report=%7B%22');
    expect(text).not.toContain('+');
    const keys = text.split('&').map((pair) => pair.split('=')[0] ?? '');
    expect(keys).toEqual([...keys].sort());
    const params = new URLSearchParams(text);
    expect(params.get('password')).toBe(sha('temppass'));
    expect(params.get('new_password')).toBe('n3w-passw0rd');
    expect(params.get('phone_number')).toBe('NOT_SUPPLIED');
    expect(params.get('brand')).toBe('apple');
    expect(params.get('device_id')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-A[0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(params.has('notification_uuids')).toBe(false);
  });

  it('uploads multipart: every parameter a text part, the file as part `file` named after the file', async () => {
    const server = await serve();
    const phone = createPhone({ ...base, os: 'ios', serverUrl: server.url });
    await phone.register();
    const files = phone.generateFiles({
      from: new Date('2026-01-05T09:00:00Z'),
      hours: 1,
      streams: ['audio_recordings'],
    });
    const audio = files[0];
    if (!audio?.audio) throw new Error('no recording');
    await phone.upload(audio.fileName, audio.bytes);
    const request = server.requests[1];
    expect(request?.path).toBe('/upload/ios/');
    const contentType = request?.headers['content-type'] ?? '';
    expect(contentType).toMatch(/^multipart\/form-data; boundary=alamofire\.boundary\.[0-9a-f]{16}$/);
    const body = request?.body ?? Buffer.alloc(0);
    expect(body.subarray(-4).toString()).toBe('--\r\n');
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    const part = form.get('file');
    if (!(part instanceof File)) throw new Error('file part missing');
    expect(part.name).toBe(audio.fileName);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(audio.bytes);
    expect(decryptBinaryForTest(audio.bytes)).toEqual(audio.audio);
    expect(form.get('file_name')).toBe(audio.fileName);
    expect(form.get('password')).toBe(sha('n3w-passw0rd'));
    expect(form.get('patient_id')).toBe('abcd1234');
    expect(form.get('notification_uuids')).toBe('[]');
    expect(form.get('supported_features')).toBe('["survey_resend"]');
  });
});

describe('paths', () => {
  async function pathsOf(os: 'android' | 'ios', trailingSlash: boolean) {
    const server = await serve();
    const phone = createPhone({ ...base, os, serverUrl: trailingSlash ? `${server.url}/` : server.url });
    await phone.register();
    await phone.upload('abcd1234_gps_1767603600000.csv', Buffer.from('x'));
    await phone.downloadSurveys();
    await phone.setPassword('another-one');
    await phone.getLatestDeviceSettings();
    await phone.heartbeat();
    await phone.setFcmToken('token');
    return server.requests.map((r) => r.path);
  }

  it('uses the plain paths on Android', async () => {
    expect(await pathsOf('android', false)).toEqual([
      '/register_user',
      '/upload',
      '/download_surveys',
      '/set_password',
      '/get_latest_device_settings',
      '/mobile-heartbeat',
      '/set_fcm_token',
    ]);
  });

  it('adds /ios/ on iOS except for the heartbeat and the FCM token', async () => {
    expect(await pathsOf('ios', false)).toEqual([
      '/register_user/ios/',
      '/upload/ios/',
      '/download_surveys/ios/',
      '/set_password/ios/',
      '/get_latest_device_settings/ios/',
      '/mobile-heartbeat/',
      '/set_fcm_token',
    ]);
  });

  it('keeps the double slash a trailing-slash base URL produces', async () => {
    expect((await pathsOf('android', true))[0]).toBe('//register_user');
    expect((await pathsOf('ios', true))[6]).toBe('//set_fcm_token');
  });
});

describe('after registration', () => {
  it('authenticates with SHA-256 of the new password, and of the next one after setPassword', async () => {
    const server = await serve();
    const phone = createPhone({ ...base, os: 'android', serverUrl: server.url });
    await phone.register();
    await phone.heartbeat();
    await phone.setPassword('third-password');
    await phone.setFcmToken('tok');
    const passwords = server.requests.map((r) => Object.fromEntries(androidPairs(r.body)).password);
    expect(passwords).toEqual([sha('temppass'), sha('n3w-passw0rd'), sha('n3w-passw0rd'), sha('third-password')]);
    expect(Object.fromEntries(androidPairs(server.requests[2]?.body ?? Buffer.alloc(0))).new_password).toBe(
      'third-password'
    );
    expect(androidPairs(server.requests[1]?.body ?? Buffer.alloc(0)).some(([k]) => k === 'message')).toBe(false);
    expect(server.requests[3]?.body.toString().endsWith('&fcm_token=tok&')).toBe(true);
  });

  it('iOS wraps the heartbeat message in parentheses', async () => {
    const server = await serve();
    const phone = createPhone({ ...base, os: 'ios', serverUrl: server.url });
    await phone.register();
    await phone.heartbeat('hello');
    expect(new URLSearchParams(server.requests[1]?.body.toString()).get('message')).toBe('(hello)');
  });

  it('uses downloaded surveys for the survey files it generates', async () => {
    const surveyId = '0123456789abcdef01234567';
    const survey = {
      _id: surveyId,
      survey_type: 'tracking_survey',
      name: 'Mood',
      timings: [[], [], [], [], [], [], []],
      settings: {},
      content: [{ question_id: 'q1', question_type: 'slider', question_text: 'Mood?', min: '1', max: '5' }],
    };
    const server = await serve((r) =>
      r.path.includes('register_user')
        ? registrationReply()
        : { status: 200, body: JSON.stringify([survey]), contentType: 'application/json' }
    );
    const phone = createPhone({ ...base, os: 'android', serverUrl: server.url });
    await phone.register();
    await phone.downloadSurveys();
    const [answers] = phone.generateFiles({ from: Date.UTC(2026, 0, 5, 9), hours: 1, streams: ['survey_answers'] });
    expect(answers?.fileName).toMatch(new RegExp(`^abcd1234_surveyAnswers_${surveyId}_\\d{13}\\.csv$`));
    expect(answers?.rows[0]).toMatch(/^q1,Slider Question,Mood\?,min = 1; max = 5,([1-5]|NO_ANSWER_SELECTED)$/);
  });

  it('uploads the same bytes for the same seed, and a fresh key and IV per file and line', async () => {
    const server = await serve();
    const generateWith = async (seed: number) => {
      const phone = createPhone({ ...base, seed, os: 'ios', serverUrl: server.url });
      await phone.register();
      return phone.generateFiles({ from: Date.UTC(2026, 0, 5, 9), hours: 0.5, streams: ['gps', 'power_state'] });
    };
    const [first, again, other] = [await generateWith(1), await generateWith(1), await generateWith(2)];
    expect(again.map((f) => f.bytes)).toEqual(first.map((f) => f.bytes));
    expect(other.map((f) => f.bytes)).not.toEqual(first.map((f) => f.bytes));
    const lines = first.flatMap((f) =>
      f.bytes
        .toString()
        .split('\n')
        .filter((l) => l !== '')
    );
    const keyLines = lines.filter((l) => !l.includes(':'));
    const ivs = lines.filter((l) => l.includes(':')).map((l) => l.split(':')[0]);
    expect(new Set(keyLines).size).toBe(first.length);
    expect(new Set(ivs).size).toBe(ivs.length);
  });

  it('refuses to generate files before registering, since there is no key yet', () => {
    const phone = createPhone({ ...base, os: 'ios', serverUrl: 'http://127.0.0.1:9' });
    expect(() => phone.generateFiles({ from: 0, hours: 1 })).toThrow(/register/);
  });
});
