import { describe, expect } from 'vitest';
import { GOOGLE_HEALTH_SCOPES } from '../vendors/fitbit/provider.ts';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import { asViewer } from '../test/fixtures.ts';
import { consentUrl } from '../test/provider-simulators/browser.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';
import { findConnection } from './store.ts';
import { openTokens } from './tokens.ts';

const expectedScope = {
  fitbit: GOOGLE_HEALTH_SCOPES.join(' '),
  withings: 'user.info,user.metrics,user.activity,user.sleepevents',
  polar: 'accesslink.read_all',
};

describe('connect round trip through the real HTTP endpoints', () => {
  test.for(PROVIDER_IDS)(
    '%s: link → consent → callback → active connection with sealed tokens',
    async (provider, { wearables, db, vault }) => {
      const study = await insertStudy(db);
      const participant = await insertParticipant(db, study.id);
      const sim = wearables[provider];

      const visited = await wearables.connect(participant.id, provider);

      expect(visited.status).toBe(200);
      expect(visited.body).toContain('is connected');
      expect(visited.hops.map((h) => h.status)).toEqual([302, 302, 200]);
      expect(visited.hops[0]!.url).toContain(`${wearables.url}/connect/start?link=`);
      expect(consentUrl(visited).startsWith(sim.url)).toBe(true);
      expect(visited.hops[2]!.url).toContain(`${wearables.url}/oauth/callback/${provider}?`);
      expect(sim.count('token:authorization_code')).toBe(1);
      const consent = new URL(consentUrl(visited)).searchParams;
      expect(consent.get('redirect_uri')).toBe(`${wearables.url}/oauth/callback/${provider}`);
      expect(consent.get('state')).toMatch(/^\d+\.[\w-]{43}\.[\w-]{43}$/);
      expect(consent.get('code_challenge_method')).toBe(provider === 'fitbit' ? 'S256' : null);
      expect(consent.get('scope')).toBe(expectedScope[provider]);
      if (provider === 'fitbit')
        expect([consent.get('access_type'), consent.get('prompt')]).toEqual(['offline', 'consent']);

      const listed = await fetch(`${wearables.url}/api/v1/participants/${participant.id}/connections`, {
        headers: asViewer,
      });
      const { items } = (await listed.json()) as {
        items: { id: number; status: string; scopes: { missing: string[] } }[];
      };
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ status: 'active', scopes: { missing: [] } });

      const record = (await findConnection(db, items[0]!.id))!;
      expect(record).toMatchObject({ provider, status: 'active', participantId: participant.id, tokenVersion: 1 });
      expect(record.externalUserId).toBeTruthy();
      const tokens = openTokens(vault, record.id, record.tokensSealed!);
      expect(sim.grants.checkAccess(tokens.accessToken).ok).toBe(true);
      expect(record.tokensSealed).not.toContain(tokens.accessToken);
      expect(tokens.refreshToken === null).toBe(provider === 'polar');

      if (provider === 'polar') expect(wearables.polar.isRegistered(record.externalUserId!)).toBe(true);
      if (provider === 'fitbit') expect(record.legacyUserId).toMatch(/^[0-9A-F]{6}$/);

      const audits = await auditRowsFor(db, 'connection', record.id);
      expect(audits.map((a) => a.action)).toEqual(['connection.connect']);
      expect(JSON.stringify(audits)).not.toContain(tokens.accessToken);
    }
  );

  test('Polar: an account already registered with us (409 at registration) still connects', async ({
    wearables,
    db,
  }) => {
    const { connectionId, participantId } = await wearables.connected('polar');
    const userId = (await findConnection(db, connectionId))!.externalUserId!;
    wearables.polar.grants.revokeUser(userId);
    expect(wearables.polar.isRegistered(userId)).toBe(true);

    const again = await wearables.connect(participantId, 'polar', { user: userId });

    expect(again.status).toBe(200);
    expect(wearables.polar.count('register')).toBe(2);
    expect(await findConnection(db, connectionId)).toMatchObject({ status: 'active', externalUserId: userId });
    expect((await auditRowsFor(db, 'connection', connectionId)).map((a) => a.action)).toEqual([
      'connection.connect',
      'connection.reconnect',
    ]);
  });
});
