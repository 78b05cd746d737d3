import { describe, expect } from 'vitest';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { auditRowsFor } from '../test/factories.ts';
import { asAdmin, asViewer, withoutSecret } from '../test/fixtures.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';
import { withAccessToken } from './access.ts';
import { ConnectionUnusableError } from './errors.ts';
import { findConnection } from './store.ts';

type Disconnected = { status: string; revokedAtProvider: boolean; revokeError: string | null };

/** The calls each provider's revocation makes at its simulator. */
const revocationCalls = {
  fitbit: ['revoke'],
  withings: ['signature:getnonce', 'oauth2:revoke'],
  polar: ['deregister'],
};

describe('POST /api/v1/connections/:id/disconnect', () => {
  test.for(PROVIDER_IDS)(
    '%s: revokes at the provider, forgets the tokens, keeps the row',
    async (provider, { wearables, db }) => {
      const { connectionId, participantId } = await wearables.connected(provider);
      const sim = wearables[provider];
      const externalUserId = (await findConnection(db, connectionId))!.externalUserId!;

      const res = await fetch(`${wearables.url}/api/v1/connections/${connectionId}/disconnect`, {
        method: 'POST',
        headers: asAdmin,
      });

      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'disconnected', revokedAtProvider: true, revokeError: null });
      for (const route of revocationCalls[provider]) expect(sim.count(route), route).toBe(1);
      expect(sim.grants.grantsOf(externalUserId).every((g) => g.revoked)).toBe(true);
      if (provider === 'polar') expect(wearables.polar.isRegistered(externalUserId)).toBe(false);
      const record = (await findConnection(db, connectionId))!;
      expect(record).toMatchObject({ status: 'disconnected', tokensSealed: null });
      expect(record.disconnectedAt).not.toBeNull();
      const [audit] = (await auditRowsFor(db, 'connection', connectionId)).slice(-1);
      expect(audit).toMatchObject({
        action: 'connection.disconnect',
        actor: { login: 'ann' },
        after: { revokedAtProvider: true },
      });
      await expect(withAccessToken(wearables.deps, connectionId, () => Promise.resolve())).rejects.toBeInstanceOf(
        ConnectionUnusableError
      );

      // The participant can connect again: a new row beside the disconnected one.
      expect((await wearables.connect(participantId, provider)).status).toBe(200);
      expect(
        (await db('device_connections').where({ participant_id: participantId }).orderBy('id')).map(
          (r: { status: string }) => r.status
        )
      ).toEqual(['disconnected', 'active']);
    }
  );

  test('a provider that cannot be reached does not block the disconnect; the answer says so', async ({
    wearables,
    db,
  }) => {
    const { connectionId } = await wearables.connected('fitbit');
    wearables.fitbit.failNext('revoke', { status: 503, body: 'down' });
    const res = await fetch(`${wearables.url}/api/v1/connections/${connectionId}/disconnect`, {
      method: 'POST',
      headers: asAdmin,
    });
    const body = (await res.json()) as Disconnected;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: 'disconnected', revokedAtProvider: false });
    expect(body.revokeError).toContain('unavailable');
    expect(await findConnection(db, connectionId)).toMatchObject({ status: 'disconnected', tokensSealed: null });
  });

  test('a grant already revoked by the patient counts as revoked', async ({ wearables, db }) => {
    const { connectionId } = await wearables.connected('withings');
    wearables.withings.revokeUser((await findConnection(db, connectionId))!.externalUserId!);
    const res = await fetch(`${wearables.url}/api/v1/connections/${connectionId}/disconnect`, {
      method: 'POST',
      headers: asAdmin,
    });
    expect(await res.json()).toMatchObject({ status: 'disconnected', revokedAtProvider: true });
  });

  test('400 naming the id, 401 without secret, 403 for a Viewer, 404 unknown, 409 twice', async ({ wearables, db }) => {
    const { connectionId } = await wearables.connected('polar');
    const url = (id: number | string) => `${wearables.url}/api/v1/connections/${id}/disconnect`;
    const bad = await fetch(url('x'), { method: 'POST', headers: asAdmin });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe('id');
    expect((await fetch(url(connectionId), { method: 'POST', headers: withoutSecret })).status).toBe(401);
    expect((await fetch(url(connectionId), { method: 'POST', headers: asViewer })).status).toBe(403);
    expect((await fetch(url(4_000_000_000), { method: 'POST', headers: asAdmin })).status).toBe(404);
    expect(await findConnection(db, connectionId)).toMatchObject({ status: 'active' });
    expect(wearables.polar.count('deregister')).toBe(0);
    expect((await fetch(url(connectionId), { method: 'POST', headers: asAdmin })).status).toBe(200);
    expect((await fetch(url(connectionId), { method: 'POST', headers: asAdmin })).status).toBe(409);
  });
});
