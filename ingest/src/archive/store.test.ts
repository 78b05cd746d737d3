import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.ts';
import { assertValidArchiveKey, InvalidArchiveKeyError } from './store.ts';

const badKeys = [
  '',
  '..',
  '.',
  '../escape',
  'a/../../escape',
  'a/..',
  'a/./b',
  '/etc/passwd',
  'a//b',
  'a/',
  'a\\..\\b',
  'a\0b',
  '.hidden',
  'a/.tmp-0123',
  'a b',
  'caf\u00e9',
  'a:b',
  'x'.repeat(201),
  `${'a/'.repeat(600)}b`,
];

describe('assertValidArchiveKey', () => {
  it('accepts relative slash paths of safe segments', () => {
    for (const key of ['study-1/abcd1234/accel/1700000000000.csv.v1', 'a', 'PROBLEM_UPLOADS/x-duplicate-ab12']) {
      expect(() => assertValidArchiveKey(key)).not.toThrow();
    }
  });

  it('rejects traversal, absolute paths, empty segments, NUL, backslashes and hidden names', () => {
    for (const key of badKeys) {
      expect(() => assertValidArchiveKey(key), JSON.stringify(key)).toThrow(InvalidArchiveKeyError);
    }
  });

  it('is an input error, so a bad phone-supplied name is answered 400 and never reaches the disk', () => {
    expect(() => assertValidArchiveKey('../x')).toThrow(InvalidInputError);
  });
});
