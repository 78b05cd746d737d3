import { describe, expect, it } from 'vitest';
import { alamofireEscape, androidFormBody, iosMultipartBody, iosUrlEncodedBody } from './http-bodies.ts';

describe('androidFormBody (§1.2)', () => {
  it('writes key=value& with nothing escaped and repeated keys kept', () => {
    const { body, contentType } = androidFormBody([
      ['patient_id', 'abcd1234'],
      ['device_status_report', '{"a":"b c, d/e"}'],
      ['device_id', 'x'],
      ['device_id', 'x'],
    ]);
    expect(body.toString('utf8')).toBe(
      'patient_id=abcd1234&device_status_report={"a":"b c, d/e"}&device_id=x&device_id=x&'
    );
    expect(contentType).toBe('application/x-www-form-urlencoded');
  });

  it('ends an upload with file_name, then file= and the raw bytes, no trailing &', () => {
    const file = Buffer.from('KEYLINE==\nBwcH==:abc=\n', 'ascii');
    const { body } = androidFormBody([['password', 'p=']], { name: 'pid_gps_1.csv', bytes: file });
    expect(body.toString('ascii')).toBe('password=p=&file_name=pid_gps_1.csv&file=KEYLINE==\nBwcH==:abc=\n');
  });

  it('sends non-ASCII as UTF-8 bytes', () => {
    expect(androidFormBody([['t', '9:00\u202fAM']]).body).toEqual(Buffer.from('t=9:00\xe2\x80\xafAM&', 'latin1'));
  });
});

describe('iOS urlencoded (Alamofire 4)', () => {
  it('escapes everything but letters, digits and -._~/?', () => {
    expect(alamofireEscape("a b+c,d:e@f!g'h(i)j*k/l?m~n.o-p_q&r=s")).toBe(
      'a%20b%2Bc%2Cd%3Ae%40f%21g%27h%28i%29j%2Ak/l?m~n.o-p_q%26r%3Ds'
    );
    expect(alamofireEscape('{"x":"é"}')).toBe('%7B%22x%22%3A%22%C3%A9%22%7D');
  });

  it('sorts keys and joins with &', () => {
    const { body, contentType } = iosUrlEncodedBody({ patient_id: 'p', device_id: 'D', new_password: 'a b' });
    expect(body.toString()).toBe('device_id=D&new_password=a%20b&patient_id=p');
    expect(contentType).toBe('application/x-www-form-urlencoded; charset=utf-8');
  });
});

describe('iOS multipart (Alamofire 4 MultipartFormData)', () => {
  const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
  const boundary = 'alamofire.boundary.0123456789abcdef';

  it('lays out text parts, then the file part, with CRLFs exactly where Alamofire puts them', () => {
    const { body, contentType } = iosMultipartBody(
      { z: '2', a: '1' },
      { name: 'pid_voiceRecording_s_1.wav', bytes },
      boundary
    );
    expect(contentType).toBe(`multipart/form-data; boundary=${boundary}`);
    const expected = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1` +
          `\r\n--${boundary}\r\nContent-Disposition: form-data; name="z"\r\n\r\n2` +
          `\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="pid_voiceRecording_s_1.wav"\r\n` +
          `Content-Type: audio/vnd.wave\r\n\r\n`
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    expect(body).toEqual(expected);
  });

  it('parses back with the platform FormData parser', async () => {
    const { body, contentType } = iosMultipartBody(
      { file_name: 'pid_gps_1.csv', patient_id: 'pid' },
      { name: 'pid_gps_1.csv', bytes },
      boundary
    );
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    expect(form.get('patient_id')).toBe('pid');
    expect(form.get('file_name')).toBe('pid_gps_1.csv');
    const file = form.get('file');
    if (!(file instanceof File)) throw new Error('no file part');
    expect(file.name).toBe('pid_gps_1.csv');
    expect(file.type).toBe('text/csv');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes);
  });
});
