import { describe, expect } from 'vitest';
import { UpstreamError } from '../errors.ts';
import { googleHealthGet } from '../vendors/fitbit/health-api.ts';
import { FITBIT_WEB_API, GOOGLE_HEALTH_SCOPES } from '../vendors/fitbit/provider.ts';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin } from '../test/fixtures.ts';
import { startWearablesHarness, wearablesTest as test } from '../test/provider-simulators/harness.ts';
import { withAccessToken } from './access.ts';
import { ConnectionUnusableError } from './errors.ts';
import type { TokenDeps } from './refresh.ts';
import { findConnection, insertConnection, joinScopes } from './store.ts';
import { sealTokens } from './tokens.ts';

const HOUR = 3_600_000;

const probe = (deps: TokenDeps, connectionId: number) =>
  withAccessToken(deps, connectionId, (token, { connection, provider }) => provider.probe(token, connection));

describe('revocation at the provider', () => {
  test.for(PROVIDER_IDS)(
    '%s: the next use marks the connection needs_reauth (revoked)',
    async (provider, { wearables, db }) => {
      const { connectionId } = await wearables.connected(provider);
      const before = (await findConnection(db, connectionId))!;
      wearables[provider].grants.revokeUser(before.externalUserId!);

      await expect(probe(wearables.deps, connectionId)).rejects.toBeInstanceOf(ConnectionUnusableError);

      expect(await findConnection(db, connectionId)).toMatchObject({ status: 'needs_reauth', statusReason: 'revoked' });
      const audits = await auditRowsFor(db, 'connection', connectionId);
      expect(audits.map((a) => [a.action, a.actor.login])).toContainEqual(['connection.needs-reauth', 'vigil']);
      // Refusing is now local: no more calls reach the provider.
      const calls = wearables[provider].calls.length;
      await expect(probe(wearables.deps, connectionId)).rejects.toBeInstanceOf(ConnectionUnusableError);
      expect(wearables[provider].calls.length).toBe(calls);
    }
  );

  test('Google in Testing status: a grant dead on the seventh day is explained as the project, not the patient', async ({
    db,
    clock,
    vault,
    archiveStore,
  }) => {
    const wearables = await startWearablesHarness({
      db,
      clock,
      vault,
      archiveStore,
      sims: { fitbit: { testingMode: true } },
    });
    try {
      const { connectionId } = await wearables.connected('fitbit');
      clock.advance(7 * 24 * HOUR + 2 * HOUR);
      await expect(probe(wearables.deps, connectionId)).rejects.toBeInstanceOf(ConnectionUnusableError);
      const after = (await findConnection(db, connectionId))!;
      expect(after).toMatchObject({ status: 'needs_reauth', statusReason: 'google_testing' });
      expect(after.statusDetail).toContain('Testing status');

      // The same refusal on the third day is a patient's revocation.
      const { connectionId: early } = await wearables.connected('fitbit');
      clock.advance(3 * 24 * HOUR);
      wearables.fitbit.grants.revokeUser((await findConnection(db, early))!.externalUserId!);
      await expect(probe(wearables.deps, early)).rejects.toBeInstanceOf(ConnectionUnusableError);
      expect(await findConnection(db, early)).toMatchObject({ status: 'needs_reauth', statusReason: 'revoked' });
    } finally {
      await wearables.close();
    }
  });

  test('a scope withdrawn later (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT) marks scope_missing', async ({
    wearables,
    db,
  }) => {
    const { connectionId } = await wearables.connected('fitbit');
    const record = (await findConnection(db, connectionId))!;
    const grant = wearables.fitbit.grants.grantsOf(record.externalUserId!)[0]!;
    grant.scopes = grant.scopes.filter((s) => !s.endsWith('settings.readonly'));
    const devices = (token: string) =>
      googleHealthGet(fetch, `${wearables.fitbit.url}/v4/users/me/pairedDevices`, token);
    await expect(withAccessToken(wearables.deps, connectionId, devices)).rejects.toBeInstanceOf(
      ConnectionUnusableError
    );
    expect(await findConnection(db, connectionId)).toMatchObject({
      status: 'needs_reauth',
      statusReason: 'scope_missing',
    });
  });

  test('a provider outage during a refresh changes nothing; the next try refreshes', async ({
    wearables,
    db,
    clock,
  }) => {
    const { connectionId } = await wearables.connected('withings');
    const before = (await findConnection(db, connectionId))!;
    clock.advance(4 * 3_600_000);
    wearables.withings.failNext('token', {
      status: 503,
      body: '<html>Service Unavailable</html>',
      contentType: 'text/html',
    });

    await expect(probe(wearables.deps, connectionId)).rejects.toBeInstanceOf(UpstreamError);
    expect(await findConnection(db, connectionId)).toMatchObject({
      status: 'active',
      tokenVersion: before.tokenVersion,
    });

    await probe(wearables.deps, connectionId);
    expect(await findConnection(db, connectionId)).toMatchObject({
      status: 'active',
      tokenVersion: before.tokenVersion + 1,
    });
  });
});

describe('the retired Fitbit Web API', () => {
  test('a connection still holding legacy tokens meets 410 Gone and is marked legacy_api_gone', async ({
    wearables,
    db,
    vault,
    clock,
  }) => {
    const study = await insertStudy(db);
    const participant = await insertParticipant(db, study.id);
    const id = await db.transaction(async (trx) => {
      const connectionId = await insertConnection(
        trx,
        {
          participant_id: participant.id,
          provider: 'fitbit',
          api: FITBIT_WEB_API,
          status: 'active',
          external_user_id: 'GGNJL9',
          scopes_requested: joinScopes(['activity', 'heartrate', 'sleep', 'settings', 'profile']),
        },
        clock()
      );
      const tokens_sealed = sealTokens(vault, connectionId, {
        accessToken: 'legacy-access',
        refreshToken: 'legacy-refresh',
      });
      await trx('device_connections').where({ id: connectionId }).update({ tokens_sealed, token_version: 1 });
      return connectionId;
    });

    const res = await fetch(`${wearables.url}/api/v1/connections/${id}/check`, { method: 'POST', headers: asAdmin });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      ok: boolean;
      connection: { status: string; statusReason: string; statusDetail: string };
    };
    expect(body).toMatchObject({ ok: false, connection: { status: 'needs_reauth', statusReason: 'legacy_api_gone' } });
    expect(body.connection.statusDetail).toContain('410 Gone');
    expect(wearables.fitbit.count('legacy')).toBe(1);
    expect(wearables.fitbit.count('token:refresh_token')).toBe(0);

    // Reconnecting through Google renews the same row, now on the Health API.
    const visited = await wearables.connect(participant.id, 'fitbit');
    expect(visited.status).toBe(200);
    expect(await findConnection(db, id)).toMatchObject({
      status: 'active',
      api: 'google-health-v4',
      scopesGranted: GOOGLE_HEALTH_SCOPES,
    });
    expect((await auditRowsFor(db, 'connection', id)).map((a) => a.action)).toEqual([
      'connection.needs-reauth',
      'connection.reconnect',
    ]);
  });
});
