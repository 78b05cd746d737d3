import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.ts';
import { parseJsonBody } from './json-body.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('parseJsonBody', () => {
  it('parses UTF-8 JSON, four-byte characters and paired surrogate escapes included', () => {
    expect(parseJsonBody(bytes('{"name":"zoë 😀 \\ud83d\\ude00","list":[1,"ü"]}'))).toEqual({
      name: 'zoë 😀 😀',
      list: [1, 'ü'],
    });
  });

  it.each([
    ['a byte that is never UTF-8', bytes('{"name":"', [0xff], '"}')],
    ['an overlong encoding', bytes('{"name":"', [0xc0, 0xaf], '"}')],
    ['an encoded surrogate', bytes('{"name":"', [0xed, 0xa0, 0x80], '"}')],
    ['a truncated sequence', bytes('{"name":"', [0xe2, 0x82], '"}')],
  ])('refuses %s instead of replacing it', (_label, body) => {
    expect(() => parseJsonBody(body)).toThrow(InvalidInputError);
    expect(() => parseJsonBody(body)).toThrow(/body: is not valid UTF-8/);
  });

  it('refuses an unpaired surrogate escape in a value or a key, however deep', () => {
    for (const text of ['"\\ud800"', '{"a":["x",{"b":"\\udc00y"}]}', '{"\\ud800":1}', '["\\ud83d\\ud83d"]']) {
      expect(() => parseJsonBody(bytes(text)), text).toThrow(/unpaired UTF-16 surrogate/);
    }
  });

  it('refuses text that is not JSON, naming the field it was given', () => {
    expect(() => parseJsonBody(bytes(''))).toThrow(/body: is not JSON/);
    expect(() => parseJsonBody(bytes('{"a":'), '$')).toThrow(/\$: is not JSON/);
  });

  it('walks a deeply nested body without overflowing the stack', () => {
    expect(parseJsonBody(bytes(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toBeInstanceOf(Array);
  });
});
