import { describe, expect, it } from 'vitest';
import { MalformedBodyError, parseMobileBody, parseMultipart, parseUrlencoded } from './body.ts';

describe('parseUrlencoded (Android bodies, unescaped)', () => {
  it('keeps base64url file content intact: `=`, `:` and newlines pass through', () => {
    const file = 'JI7K7S5bB174su0k==\nBwcHBwcHBwcHBwcHBwcHBw==:_8NEbdEVIM-Vjjzf2SxZd3e4ZtCZ7mPPbOLlGJ-qf_g=\n';
    const body = Buffer.from(
      `patient_id=abcd1234&password=XiT6jwJraajib8fOj5GM9juCAs7t51ROc1bqew4zfOA=&device_id=d1&file_name=abcd1234_accel_1700000000000.csv&file=${file}`
    );
    const form = parseUrlencoded(body);
    expect(form.fields.get('password')).toBe('XiT6jwJraajib8fOj5GM9juCAs7t51ROc1bqew4zfOA=');
    expect(form.fields.get('file_name')).toBe('abcd1234_accel_1700000000000.csv');
    expect(form.file?.toString()).toBe(file);
  });

  it('takes the last value of a repeated key, as Django does', () => {
    const form = parseUrlencoded(Buffer.from('device_id=first&os_version=10&device_id=second&os_version=11'));
    expect([form.fields.get('device_id'), form.fields.get('os_version')]).toEqual(['second', '11']);
  });

  it('decodes `+` and valid percent escapes leniently and keeps raw JSON and bad escapes', () => {
    const form = parseUrlencoded(
      Buffer.from('timezone=America/New_York&device_status_report={"a":"b c"}&message=50%25+done%zz&tz=Europe%2FLondon')
    );
    expect(form.fields.get('device_status_report')).toBe('{"a":"b c"}');
    expect(form.fields.get('message')).toBe('50% done%zz');
    expect(form.fields.get('tz')).toBe('Europe/London');
  });

  it('keeps `key=` as empty, drops pairs without `=` and empty pairs, and finds no file when there is none', () => {
    const form = parseUrlencoded(Buffer.from('&a=&b&&c=1&'));
    expect([...form.fields.entries()]).toEqual([
      ['a', ''],
      ['c', '1'],
    ]);
    expect(form.file).toBeUndefined();
  });
});

describe('parseMultipart (iOS uploads)', () => {
  const boundary = 'vigil-test-boundary';
  const ct = `multipart/form-data; boundary=${boundary}`;
  const part = (name: string, value: string, fileName?: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${fileName ? `; filename="${fileName}"` : ''}\r\n${fileName ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n${value}\r\n`;

  it('reads text parts and the file part with its file name', async () => {
    const body = Buffer.from(
      `${part('patient_id', 'abcd1234')}${part('file', 'key\nline', 'abcd1234_gps_1.csv')}--${boundary}--\r\n`
    );
    const form = await parseMobileBody(body, ct);
    expect(form.fields.get('patient_id')).toBe('abcd1234');
    expect(form.file?.toString()).toBe('key\nline');
    expect(form.fileName).toBe('abcd1234_gps_1.csv');
  });

  it('rejects a body cut short', async () => {
    const body = Buffer.from(`${part('patient_id', 'abcd1234')}${part('file', 'key\nline', 'x.csv')}`).subarray(0, 90);
    await expect(parseMultipart(body, ct)).rejects.toBeInstanceOf(MalformedBodyError);
  });
});
