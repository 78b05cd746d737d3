import { describe, expect, it } from 'vitest';
import { ApiError, queryString, toApiError } from './client.ts';

describe('toApiError', () => {
  it('keeps the ingest’s message and the fields it names', () => {
    const err = toApiError({
      status: 400,
      data: {
        error: {
          code: 'INVALID_INPUT',
          message: 'label: must not be empty',
          fields: [{ field: 'label', message: 'must not be empty' }, { bogus: true }],
        },
      },
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'INVALID_INPUT', message: 'Label: must not be empty.' });
    expect(err.fields).toEqual([{ field: 'label', message: 'must not be empty' }]);
    expect(err.fieldError('label')).toBe('must not be empty');
    expect(err.fieldError('status')).toBeUndefined();
  });

  it('points at the shared secret when the ingest refuses it', () => {
    const err = toApiError({
      status: 401,
      data: { error: { code: 'UNAUTHORIZED', message: 'missing or wrong shared secret' } },
    });
    expect(err.message).toMatch(/check the shared secret on the plugin configuration page/);
  });

  it('explains Grafana’s own proxy answers in words', () => {
    expect(toApiError({ status: 403, data: { message: 'plugin proxy route access denied' } }).message).toBe(
      'Your Grafana role does not allow this: changes need the Admin role.'
    );
    expect(toApiError({ status: 404, data: { message: 'plugin route match not found' } }).code).toBe('NO_ROUTE');
    expect(toApiError({ status: 502, data: '' }).message).toMatch(/could not reach the Vigil ingest/);
    expect(toApiError(new TypeError('Failed to fetch')).code).toBe('NETWORK');
  });

  it('never shows a body it does not understand', () => {
    const err = toApiError({ status: 500, data: '<html>{"raw": true}</html>' });
    expect(err.message).toBe('The request failed (HTTP 500). Try again, or ask an administrator.');
  });
});

describe('queryString', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(queryString({ q: 'a b&c', status: undefined, deleted: 'only', offset: 0, empty: '' })).toBe(
      '?q=a+b%26c&deleted=only&offset=0'
    );
    expect(queryString({})).toBe('');
  });
});
