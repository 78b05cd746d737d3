import { HTTPException } from 'hono/http-exception';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from './app.ts';
import { ConflictError, InvalidInputError, UnavailableError } from './errors.ts';
import { createLogger } from './log.ts';

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

describe('toErrorResponse', () => {
  it('maps typed errors to their status with code, message and fields', () => {
    const { log } = capturingLogger();
    expect(toErrorResponse(new ConflictError('taken'), 'r1', log)).toEqual({
      status: 409,
      body: { error: { code: 'CONFLICT', message: 'taken' } },
    });
    const invalid = toErrorResponse(
      InvalidInputError.fromFields([{ field: 'name', message: 'must not be empty' }]),
      'r1',
      log
    );
    expect(invalid).toMatchObject({
      status: 400,
      body: { error: { message: 'name: must not be empty', fields: [{ field: 'name' }] } },
    });
    expect(toErrorResponse(new UnavailableError('disk'), 'r1', log)).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '5' },
    });
  });

  it("renders Hono's own client errors the same way", () => {
    const { log } = capturingLogger();
    const res = toErrorResponse(new HTTPException(400, { message: 'Malformed JSON in request body' }), 'r1', log);
    expect(res).toEqual({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', message: 'Malformed JSON in request body' } },
    });
  });

  it('answers a lost database with a retryable 503', () => {
    const { log } = capturingLogger();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    expect(toErrorResponse(refused, 'r1', log)).toMatchObject({
      status: 503,
      body: { error: { code: 'UNAVAILABLE' } },
      headers: { 'Retry-After': '5' },
    });
    const pool = Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' });
    expect(toErrorResponse(pool, 'r1', log).status).toBe(503);
    const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), {
      code: 'ER_LOCK_DEADLOCK',
      errno: 1213,
    });
    expect(toErrorResponse(deadlock, 'r1', log)).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
  });

  it('never leaks SQL or stacks for unknown errors, but logs them with the request id', () => {
    const { log, lines } = capturingLogger();
    const err = new Error("ER_BAD_FIELD_ERROR: Unknown column 'secret_col' in 'field list'");
    const res = toErrorResponse(err, 'req-42', log);
    expect(res).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error (request req-42)' } },
    });
    expect(JSON.stringify(res)).not.toContain('secret_col');
    expect(lines.join('')).toContain('req-42');
    expect(lines.join('')).toContain('secret_col');
  });
});
