import { describe, expect } from 'vitest';
import type { Knex } from 'knex';
import { GOOGLE_HEALTH_SCOPES } from '../vendors/fitbit/provider.ts';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import { asViewer } from '../test/fixtures.ts';
import { consentOnly, visit } from '../test/provider-simulators/browser.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';

/** What the provider can do wrong on the way back: each a page, an audit row, no token stored. */

const newParticipant = async (db: Knex) => insertParticipant(db, (await insertStudy(db)).id);
const failures = async (db: Knex, participantId: number) =>
  (await auditRowsFor(db, 'participant', participantId))
    .filter((a) => a.action === 'connection.connect-failed')
    .map((a) => {
      const { reason, step, scopesGranted } = a.after as Record<string, unknown>;
      return { reason, ...(step !== undefined && { step }), ...(scopesGranted !== undefined && { scopesGranted }) };
    });
const tokensOf = async (db: Knex, participantId: number) =>
  (await db('device_connections').where({ participant_id: participantId }).whereNotNull('tokens_sealed')).length;

describe('provider errors on the callback', () => {
  test('access_denied: a friendly 403 page, audited; the same link works once the patient allows', async ({
    wearables,
    db,
  }) => {
    const participant = await newParticipant(db);
    const link = await wearables.createLink(participant.id, 'polar');
    wearables.polar.consent({ deny: true });
    const denied = await visit(link.url);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('You chose not to share your Polar data');
    expect(wearables.polar.count('token:authorization_code')).toBe(0);
    expect(await tokensOf(db, participant.id)).toBe(0);
    const callbackRes = await fetch(denied.url);
    expect(await wearables.auditOf(callbackRes)).toMatchObject([
      { action: 'connection.connect-failed', after: { reason: 'access_denied', providerError: 'access_denied' } },
    ]);

    const allowed = await visit(link.url);
    expect(allowed.status).toBe(200);
    expect(await tokensOf(db, participant.id)).toBe(1);
  });

  test('a code already used is refused by the provider: 400 page, no token, and a new consent still works', async ({
    wearables,
    db,
  }) => {
    const participant = await newParticipant(db);
    const link = await wearables.createLink(participant.id, 'withings');
    wearables.withings.consent({});
    const callback = new URL(await consentOnly(link.url));
    // Someone (a double submit, an attacker with the URL) spends the code first.
    const spent = await fetch(`${wearables.withings.url}/v2/oauth2`, {
      method: 'POST',
      body: new URLSearchParams({
        action: 'requesttoken',
        grant_type: 'authorization_code',
        client_id: wearables.withings.clientId,
        client_secret: wearables.withings.clientSecret,
        code: callback.searchParams.get('code')!,
        redirect_uri: `${wearables.url}/oauth/callback/withings`,
      }),
    });
    expect(((await spent.json()) as { status: number }).status).toBe(0);

    const res = await fetch(callback);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('took too long or was already used');
    expect(await wearables.auditOf(res)).toMatchObject([{ after: { reason: 'code_rejected', step: 'exchange' } }]);
    expect(await tokensOf(db, participant.id)).toBe(0);

    expect((await visit(link.url)).status).toBe(200);
  });

  test('a Withings code older than 30 seconds is refused', async ({ wearables, db, clock }) => {
    const participant = await newParticipant(db);
    const callback = await wearables.consentOnly(participant.id, 'withings');
    clock.advance(31_000);
    const res = await fetch(callback);
    expect(res.status).toBe(400);
    expect(await tokensOf(db, participant.id)).toBe(0);
  });

  test.for([
    { what: 'a 500 page', fault: { status: 500, body: '<h1>Internal Server Error</h1>', contentType: 'text/html' } },
    { what: 'garbage with 200', fault: { status: 200, body: 'not json at all' } },
    {
      what: 'JSON without a token',
      fault: { status: 200, body: '{"hello":"world"}', contentType: 'application/json' },
    },
  ])(
    'the token endpoint answers $what: 502 page, no token, link usable again',
    async ({ fault }, { wearables, db }) => {
      const participant = await newParticipant(db);
      const link = await wearables.createLink(participant.id, 'fitbit');
      wearables.fitbit.failNext('token', fault);
      const failed = await visit(link.url);
      expect(failed.status).toBe(502);
      expect(failed.body).toContain('did not complete the sign-in');
      expect(await tokensOf(db, participant.id)).toBe(0);
      expect(await failures(db, participant.id)).toEqual([{ reason: 'provider_failed', step: 'exchange' }]);
      expect((await visit(link.url)).status).toBe(200);
    }
  );

  test('the identity call fails after the exchange: 502, nothing stored; a reload is refused (code spent)', async ({
    wearables,
    db,
  }) => {
    const participant = await newParticipant(db);
    const callback = await wearables.consentOnly(participant.id, 'fitbit');
    wearables.fitbit.failNext('identity', { status: 503, body: '{"error":{"code":503,"status":"UNAVAILABLE"}}' });
    const first = await fetch(callback);
    expect(first.status).toBe(502);
    expect(await wearables.auditOf(first)).toMatchObject([{ after: { reason: 'provider_failed', step: 'identify' } }]);
    const reload = await fetch(callback);
    expect(reload.status).toBe(400);
    expect(await tokensOf(db, participant.id)).toBe(0);
  });

  test('Polar consents not accepted: registration 403 gives a page saying what to do', async ({ wearables, db }) => {
    const participant = await newParticipant(db);
    wearables.polar.setConsentsMissing('9999001', true);
    const visited = await wearables.connect(participant.id, 'polar', { user: '9999001' });
    expect(visited.status).toBe(403);
    expect(visited.body).toContain('required consents');
    expect(await tokensOf(db, participant.id)).toBe(0);
  });

  test('Polar 409: the same account again is fine; another account under the same member-id is refused in words', async ({
    wearables,
    db,
  }) => {
    const participant = await newParticipant(db);
    expect((await wearables.connect(participant.id, 'polar', { user: '9999011' })).status).toBe(200);
    // Reconnecting the account Polar already holds under our member-id: 409 at registration, ours.
    expect((await wearables.connect(participant.id, 'polar', { user: '9999011' })).status).toBe(200);
    expect(wearables.polar.count('user')).toBe(1);

    // A different Polar account: Polar keeps the member-id on the first one, so this one's data
    // would never be visible. The patient is told, the admin sees why, nothing is stored.
    const other = await wearables.connect(participant.id, 'polar', { user: '9999012' });
    expect(other.status).toBe(409);
    expect(other.body).toContain('still has another Polar account on record for you');
    expect(wearables.polar.isRegistered('9999012')).toBe(false);
    expect(await failures(db, participant.id)).toEqual([{ reason: 'member_id_taken' }]);
    const connections = (await db('device_connections')
      .where({ participant_id: participant.id })
      .select('external_user_id')) as { external_user_id: string }[];
    expect(connections.map((c) => c.external_user_id)).toEqual(['9999011']);
  });

  test('an account already connected to another participant: 409 page, nothing changed', async ({ wearables, db }) => {
    const [first, second] = [await newParticipant(db), await newParticipant(db)];
    expect((await wearables.connect(first.id, 'withings', { user: '55500123' })).status).toBe(200);
    const again = await wearables.connect(second.id, 'withings', { user: '55500123' });
    expect(again.status).toBe(409);
    expect(again.body).toContain('already connected to someone else');
    expect(await tokensOf(db, second.id)).toBe(0);
    expect(await tokensOf(db, first.id)).toBe(1);
  });
});

describe('scopes narrower than requested', () => {
  test.for([
    { provider: 'fitbit' as const, keep: GOOGLE_HEALTH_SCOPES.slice(0, 2), words: 'sleep' },
    { provider: 'withings' as const, keep: ['user.info', 'user.metrics'], words: 'activity' },
  ])(
    '$provider: no token, the grant recorded as needs_reauth (scope_missing) and shown',
    async (c, { wearables, db }) => {
      const participant = await newParticipant(db);
      const visited = await wearables.connect(participant.id, c.provider, { scopes: c.keep });
      expect(visited.status).toBe(403);
      expect(visited.body).toContain('Some permissions were not given');
      expect(visited.body).toContain(c.words);
      expect(await tokensOf(db, participant.id)).toBe(0);
      expect(await failures(db, participant.id)).toMatchObject([{ reason: 'scope_missing', scopesGranted: c.keep }]);

      const res = await fetch(`${wearables.url}/api/v1/participants/${participant.id}/connections`, {
        headers: asViewer,
      });
      const { items } = (await res.json()) as {
        items: { status: string; statusReason: string; scopes: { granted: string[]; missing: string[] } }[];
      };
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        status: 'needs_reauth',
        statusReason: 'scope_missing',
        scopes: { granted: c.keep },
      });
      expect(items[0]!.scopes.missing.length).toBeGreaterThan(0);

      // Allowing everything through the same link renews that record.
      wearables[c.provider].consent({});
      const link = await wearables.createLink(participant.id, c.provider);
      expect((await visit(link.url)).status).toBe(200);
      expect(await db('device_connections').where({ participant_id: participant.id, status: 'active' })).toHaveLength(
        1
      );
    }
  );
});
