import { describe, expect } from 'vitest';
import { uniqueName } from './test/factories.ts';
import { asAdmin, test } from './test/fixtures.ts';

describe('X-Request-Id', () => {
  test("a caller's id is kept when it fits the audit trail's 64 characters; a longer one is replaced, not a 500", async ({
    app,
    db,
  }) => {
    const create = (requestId: string) =>
      app.request('/api/v1/studies', {
        method: 'POST',
        headers: { ...asAdmin, 'x-request-id': requestId },
        body: JSON.stringify({ name: uniqueName('Request id') }),
      });
    const fits = 'r'.repeat(64);
    const kept = await create(fits);
    expect([kept.status, kept.headers.get('x-request-id')]).toEqual([201, fits]);

    const tooLong = 'r'.repeat(65);
    const replaced = await create(tooLong);
    expect(replaced.status).toBe(201);
    const id = replaced.headers.get('x-request-id')!;
    expect(id).not.toBe(tooLong);
    const { id: studyId } = (await replaced.json()) as { id: number };
    const audit = (await db('audit_log')
      .where({ target_type: 'study', target_id: String(studyId) })
      .first()) as {
      request_id: string;
    };
    expect(audit.request_id).toBe(id);
  });
});
