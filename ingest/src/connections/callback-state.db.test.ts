import { describe, expect } from 'vitest';
import type { Knex } from 'knex';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin, jsonBody } from '../test/fixtures.ts';
import { visit } from '../test/provider-simulators/browser.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';

/** Bad input that never reaches the provider's token endpoint: each a page, an audit row, no token. */

const newParticipant = async (db: Knex) => insertParticipant(db, (await insertStudy(db)).id);
const connectionsOf = (db: Knex, participantId: number) =>
  db('device_connections').where({ participant_id: participantId });

describe('the callback refuses a bad state', () => {
  test('missing state: 400 page, audited, nothing exchanged', async ({ wearables }) => {
    const res = await fetch(`${wearables.url}/oauth/callback/withings?code=abc`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain('Some sign-in details are missing');
    expect(await wearables.auditOf(res)).toEqual([
      { action: 'connection.connect-failed', after: expect.objectContaining({ reason: 'state_missing' }) as unknown },
    ]);
    expect(wearables.withings.count('token:authorization_code')).toBe(0);
  });

  test('a forged state (signature changed, or another provider) is refused and the link still works', async ({
    wearables,
    db,
  }) => {
    const participant = await newParticipant(db);
    const callback = new URL(await wearables.consentOnly(participant.id, 'fitbit'));
    const state = callback.searchParams.get('state')!;
    const forged = new URL(callback);
    forged.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
    const moved = new URL(callback.toString().replace('/oauth/callback/fitbit', '/oauth/callback/polar'));
    const garbage = new URL(callback);
    garbage.searchParams.set('state', '<script>');

    for (const url of [forged, moved, garbage]) {
      const res = await fetch(url);
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain('We could not check this sign-in');
      expect(page).not.toContain('<script>');
      expect(await wearables.auditOf(res)).toMatchObject([{ after: { reason: 'state_invalid', linkId: null } }]);
    }
    expect(wearables.fitbit.count('token:authorization_code')).toBe(0);
    expect(await connectionsOf(db, participant.id)).toHaveLength(0);

    const noCode = new URL(callback);
    noCode.searchParams.delete('code');
    const missing = await fetch(noCode);
    expect(missing.status).toBe(400);
    expect(await wearables.auditOf(missing)).toMatchObject([
      { after: { reason: 'code_missing', linkId: expect.any(Number) as number } },
    ]);

    const genuine = await visit(callback.toString());
    expect(genuine.status).toBe(200);
  });

  test('an expired state: 410, no exchange; opening an expired link: 410', async ({ wearables, db, clock }) => {
    const participant = await newParticipant(db);
    const callback = await wearables.consentOnly(participant.id, 'fitbit');
    const link = await wearables.createLink(participant.id, 'fitbit');
    clock.advance(7 * 86_400_000 + 1000);

    const res = await fetch(callback);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link has expired');
    expect(await wearables.auditOf(res)).toMatchObject([{ after: { reason: 'link_expired', provider: 'fitbit' } }]);
    expect(wearables.fitbit.count('token:authorization_code')).toBe(0);

    const opened = await fetch(link.url, { redirect: 'manual' });
    expect(opened.status).toBe(410);
    expect(await wearables.auditOf(opened)).toMatchObject([{ after: { stage: 'link', reason: 'link_expired' } }]);
    expect(await connectionsOf(db, participant.id)).toHaveLength(0);
  });

  test('a replayed state: the second use of a callback is refused without a second exchange', async ({
    wearables,
    db,
  }) => {
    const participant = await newParticipant(db);
    const callback = await wearables.consentOnly(participant.id, 'withings');
    expect((await fetch(callback)).status).toBe(200);
    const replay = await fetch(callback);
    expect(replay.status).toBe(409);
    expect(await replay.text()).toContain('already been used');
    expect(await wearables.auditOf(replay)).toMatchObject([{ after: { reason: 'link_used' } }]);
    expect(wearables.withings.count('token:authorization_code')).toBe(1);
    expect(await connectionsOf(db, participant.id)).toHaveLength(1);
  });

  test('two callbacks with the same state at once: exactly one exchanges', async ({ wearables, db }) => {
    const participant = await newParticipant(db);
    const callback = await wearables.consentOnly(participant.id, 'polar');
    const statuses = (await Promise.all([fetch(callback), fetch(callback)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    expect(wearables.polar.count('token:authorization_code')).toBe(1);
    expect(await connectionsOf(db, participant.id)).toHaveLength(1);
  });

  test('unknown provider path and invalid link tokens: 404 pages', async ({ wearables }) => {
    const unknown = await fetch(`${wearables.url}/oauth/callback/garmin?state=x&code=y`);
    expect(unknown.status).toBe(404);
    expect(await wearables.auditOf(unknown)).toMatchObject([{ after: { reason: 'unknown_provider' } }]);
    for (const link of ['', '?link=', '?link=nope', `?link=${'A'.repeat(43)}`]) {
      const res = await fetch(`${wearables.url}/connect/start${link}`, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('This link is not valid');
    }
  });
});

describe('a deleted participant', () => {
  test('no link can be made; an outstanding link and a pending callback are refused', async ({
    wearables,
    db,
    clock,
  }) => {
    const participant = await newParticipant(db);
    const link = await wearables.createLink(participant.id, 'withings');
    const callback = await wearables.consentOnly(participant.id, 'withings');
    await db('participants').where({ id: participant.id }).update({ deleted_at: clock() });

    const refused = await fetch(`${wearables.url}/api/v1/participants/${participant.id}/connect-links`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ provider: 'withings' }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('is deleted');

    const opened = await fetch(link.url, { redirect: 'manual' });
    expect(opened.status).toBe(410);
    expect(await opened.text()).toContain('no longer valid');
    const back = await fetch(callback);
    expect(back.status).toBe(410);
    expect(await wearables.auditOf(back)).toMatchObject([{ after: { reason: 'participant_gone' } }]);
    expect(wearables.withings.count('token:authorization_code')).toBe(0);
    expect(await connectionsOf(db, participant.id)).toHaveLength(0);
  });
});
