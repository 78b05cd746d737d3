import { describe, expect } from 'vitest';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer } from '../test/fixtures.ts';
import { callbackHop, consentOnly, visit } from '../test/provider-simulators/browser.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';
import { withAccessToken } from './access.ts';
import { pkceContext } from './tokens.ts';

describe('tokens never reach logs, API answers, pages or the audit trail', () => {
  test('a scan after every kind of flow finds none of the secrets involved', async ({
    wearables,
    db,
    vault,
    clock,
  }) => {
    const answers: string[] = [];
    const linkTokens: string[] = [];
    const states: string[] = [];
    const keep = async (res: Response) => {
      answers.push(await res.text());
      return res;
    };
    const api = (path: string, method = 'GET') =>
      fetch(`${wearables.url}/api/v1${path}`, { method, headers: method === 'GET' ? asViewer : asAdmin }).then(keep);

    const connectionIds: number[] = [];
    for (const provider of PROVIDER_IDS) {
      const study = await insertStudy(db);
      const participant = await insertParticipant(db, study.id);
      // Denied, then a bad state, then allowed, then the callback replayed.
      const link = await wearables.createLink(participant.id, provider);
      linkTokens.push(new URL(link.url).searchParams.get('link')!);
      wearables[provider].consent({ deny: true });
      answers.push((await visit(link.url)).body);
      wearables[provider].consent({});
      const callback = await consentOnly(link.url);
      states.push(new URL(callback).searchParams.get('state')!);
      await keep(await fetch(callback.replace(/state=[^&]+/, 'state=1.x.y')));
      const ok = await keep(await fetch(callback));
      expect(ok.status).toBe(200);
      await keep(await fetch(callback));
      const [row] = (await db('device_connections').where({ participant_id: participant.id })) as { id: number }[];
      connectionIds.push(row!.id);
      await api(`/participants/${participant.id}/connections`);
      await api(`/participants/${participant.id}/connect-links`);
      await api(`/connections/${row!.id}/check`, 'POST');
    }

    clock.advance(4 * 3_600_000);
    for (const id of connectionIds) await withAccessToken(wearables.deps, id, () => Promise.resolve());
    const [googleId, withingsId, polarId] = connectionIds as [number, number, number];
    wearables.withings.revokeUser(await externalId(withingsId));
    await api(`/connections/${withingsId}/check`, 'POST');
    await api(`/connections/${googleId}/disconnect`, 'POST');
    await api(`/connections/${polarId}/disconnect`, 'POST');
    await api('/connections?limit=200');
    const visited = await visit((await wearables.createLink((await firstParticipant(googleId)).id, 'fitbit')).url);
    answers.push(visited.body);
    expect(callbackHop(visited)).toContain('/oauth/callback/fitbit');

    const pkceVerifiers = (
      await db('connect_links')
        .whereIn('participant_id', await participantsOf(connectionIds))
        .whereNotNull('pkce_verifier_sealed')
    ).map((l: { id: number; pkce_verifier_sealed: string }) =>
      vault.open(l.pkce_verifier_sealed, pkceContext(l.id)).toString()
    );
    const issued = PROVIDER_IDS.flatMap((p) => wearables[p].secrets());
    const logs = wearables.logs();
    const participantIds = (await participantsOf(connectionIds)).map(String);
    const audit = JSON.stringify(
      await db('audit_log')
        .where((q) => void q.where('target_type', 'connection').whereIn('target_id', connectionIds.map(String)))
        .orWhere((q) => void q.where('target_type', 'participant').whereIn('target_id', participantIds))
    );
    expect(audit).toContain('connection.disconnect');

    // The scan is only worth something if the flows happened and were logged.
    expect(issued.length).toBeGreaterThan(15);
    expect(pkceVerifiers.length).toBeGreaterThan(0);
    expect(logs).toContain('tokens refreshed');
    expect(logs).toContain('connect attempt refused');
    expect(logs).toContain('connection disconnected');
    expect(logs).toContain('connection needs re-consent');

    const everywhere = [logs, audit, ...answers].join('\n');
    for (const secret of [...issued, ...pkceVerifiers, ...states]) expect(everywhere).not.toContain(secret);
    for (const token of linkTokens) expect([logs, audit].join('\n')).not.toContain(token);

    async function externalId(id: number) {
      return ((await db('device_connections').where({ id }).first('external_user_id')) as { external_user_id: string })
        .external_user_id;
    }
    async function firstParticipant(id: number) {
      return {
        id: ((await db('device_connections').where({ id }).first('participant_id')) as { participant_id: number })
          .participant_id,
      };
    }
    async function participantsOf(ids: number[]) {
      return (
        (await db('device_connections').whereIn('id', ids).select('participant_id')) as { participant_id: number }[]
      ).map((r) => r.participant_id);
    }
  });
});
