import { describe, expect } from 'vitest';
import type { createApp } from '../../app.ts';
import { auditRowsFor, insertParticipant, insertStudy } from '../../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, withoutSecret } from '../../test/fixtures.ts';
import { beiweDeviceHash, verifyPassword } from '../protocol/passwords.ts';

type Enrolment = { id: number; beiwe: { patientId: string; temporaryPassword: string; serverUrl: string } | null };

describe('enrolment with Beiwe credentials', () => {
  test('issues an 8-character id and temporary password once, storing only a slow hash and a sealed key', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/participants`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ label: 'p1' }),
    });
    expect(res.status).toBe(201);
    const { id, beiwe } = (await res.json()) as Enrolment;
    expect(beiwe?.patientId).toMatch(/^[a-z1-9]{8}$/);
    expect(beiwe?.temporaryPassword).toMatch(/^[a-z1-9]{8}$/);
    expect(beiwe?.serverUrl).toBe('http://localhost:8080');

    const row = (await db('beiwe_participants').where({ participant_id: id }).first()) as Record<string, string>;
    expect(row.patient_id).toBe(beiwe?.patientId);
    expect(row.password_hash).not.toContain(beiwe!.temporaryPassword);
    expect(await verifyPassword(beiweDeviceHash(beiwe!.temporaryPassword), row.password_hash!)).toBe(true);
    expect(row.private_key_sealed).not.toContain('PRIVATE KEY');
    expect(row.public_key).toMatch(/^MIIBI/);

    // Reads show the phone's state, never the password or keys; the audit row holds no secret either.
    const read = await (await app.request(`/api/v1/participants/${id}`, { headers: asViewer })).text();
    expect(read).toContain(beiwe!.patientId);
    expect(read).not.toContain(beiwe!.temporaryPassword);
    const [audit] = await auditRowsFor(db, 'participant', id);
    expect(JSON.stringify(audit)).not.toContain(beiwe!.temporaryPassword);
  });

  test('beiwe: false enrols without credentials; they can be issued later, once', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/participants`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ label: 'p2', beiwe: false }),
    });
    const { id, beiwe } = (await res.json()) as Enrolment;
    expect(beiwe).toBeNull();
    const issued = await app.request(`/api/v1/participants/${id}/beiwe`, { method: 'POST', headers: asAdmin });
    expect(issued.status).toBe(201);
    expect(await issued.json()).toMatchObject({ patientId: expect.stringMatching(/^[a-z1-9]{8}$/) as string });
    expect((await app.request(`/api/v1/participants/${id}/beiwe`, { method: 'POST', headers: asAdmin })).status).toBe(
      409
    );
    expect((await auditRowsFor(db, 'participant', id)).map((a) => a.action)).toEqual([
      'participant.create',
      'beiwe.issue',
    ]);
  });

  test('400 for a non-boolean beiwe flag', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/participants`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ label: 'p3', beiwe: 'yes' }),
    });
    expect(res.status).toBe(400);
  });
});

describe('reset password, unregister, retire', () => {
  async function enrolled(app: ReturnType<typeof createApp>, studyId: number) {
    const res = await app.request(`/api/v1/studies/${studyId}/participants`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ label: `p_${Math.random().toString(36).slice(2, 8)}` }),
    });
    return (await res.json()) as Enrolment;
  }

  test('reset gives a new temporary password that replaces the old one', async ({ app, db }) => {
    const study = await insertStudy(db);
    const { id, beiwe } = await enrolled(app, study.id);
    const res = await app.request(`/api/v1/participants/${id}/beiwe/reset-password`, {
      method: 'POST',
      headers: asAdmin,
    });
    expect(res.status).toBe(200);
    const reset = (await res.json()) as { patientId: string; temporaryPassword: string };
    expect(reset.patientId).toBe(beiwe?.patientId);
    const { password_hash } = (await db('beiwe_participants').where({ participant_id: id }).first()) as {
      password_hash: string;
    };
    expect(await verifyPassword(beiweDeviceHash(reset.temporaryPassword), password_hash)).toBe(true);
    expect(await verifyPassword(beiweDeviceHash(beiwe!.temporaryPassword), password_hash)).toBe(false);
    const audit = (await auditRowsFor(db, 'participant', id)).at(-1);
    expect(audit?.action).toBe('beiwe.reset-password');
    expect(JSON.stringify(audit)).not.toContain(reset.temporaryPassword);
  });

  test('unregister clears the device; retire is recorded once', async ({ app, db }) => {
    const study = await insertStudy(db);
    const { id } = await enrolled(app, study.id);
    await db('beiwe_participants').where({ participant_id: id }).update({ device_id: 'phone-1' });
    const unregistered = await app.request(`/api/v1/participants/${id}/beiwe/unregister`, {
      method: 'POST',
      headers: asAdmin,
    });
    expect([unregistered.status, ((await unregistered.json()) as { registered: boolean }).registered]).toEqual([
      200,
      false,
    ]);
    expect(
      await db('beiwe_participants').where({ participant_id: id }).whereNull('device_id').count({ n: '*' })
    ).toEqual([{ n: 1 }]);

    const retired = await app.request(`/api/v1/participants/${id}/beiwe/retire`, { method: 'POST', headers: asAdmin });
    expect(retired.status).toBe(200);
    expect(
      (await app.request(`/api/v1/participants/${id}/beiwe/retire`, { method: 'POST', headers: asAdmin })).status
    ).toBe(409);
    expect((await auditRowsFor(db, 'participant', id)).map((a) => a.action)).toEqual([
      'participant.create',
      'beiwe.unregister',
      'beiwe.retire',
    ]);
  });

  test('404 without credentials or participant, 400 for a bad id, 403 for a Viewer, 401 without secret; nothing audited', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const plain = await insertParticipant(db, study.id);
    for (const action of ['reset-password', 'unregister', 'retire']) {
      const url = `/api/v1/participants/${plain.id}/beiwe/${action}`;
      expect((await app.request(url, { method: 'POST', headers: asAdmin })).status).toBe(404);
      expect((await app.request(url, { method: 'POST', headers: asViewer })).status).toBe(403);
      expect((await app.request(url, { method: 'POST', headers: withoutSecret })).status).toBe(401);
      expect(
        (await app.request(`/api/v1/participants/abc/beiwe/${action}`, { method: 'POST', headers: asAdmin })).status
      ).toBe(400);
      expect(
        (await app.request(`/api/v1/participants/4000000000/beiwe/${action}`, { method: 'POST', headers: asAdmin }))
          .status
      ).toBe(404);
    }
    expect(await auditRowsFor(db, 'participant', plain.id)).toHaveLength(0);
  });
});
