import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { insertConnection } from '../connections/store.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { asViewer, test, withoutSecret } from '../test/fixtures.ts';
import { enqueuePullJob } from './jobs.ts';

type ListJson = { items: { id: number; connectionId: number; state: string; kind: string }[]; total: number };
type ErrorJson = { error: { code: string; fields?: { field: string }[] } };

async function connectionIn(db: Knex, studyId: number, now: Date): Promise<{ participantId: number; id: number }> {
  const p = await insertParticipant(db, studyId, {}, now);
  const id = await insertConnection(
    db,
    { participant_id: p.id, provider: 'fitbit', api: 'google-health', status: 'active', scopes_requested: '' },
    now
  );
  return { participantId: p.id, id };
}

async function jobIn(db: Knex, connectionId: number, state: string, now: Date): Promise<number> {
  const from = new Date(now.getTime() - 86_400_000);
  const id = (await enqueuePullJob(
    db,
    { kind: 'daily', connectionId, from, to: now, requestedBy: 'scheduler' },
    now
  )) as number;
  await db('wearable_pull_jobs')
    .where({ id })
    .update({ state, progress_pct: state === 'queued' ? 0 : 40 });
  return id;
}

describe('GET /api/v1/pull-jobs', () => {
  test('lists a study’s, a participant’s or some connections’ jobs, newest first, filtered by state and paged', async ({
    app,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const other = await insertStudy(db);
    const a = await connectionIn(db, study.id, clock());
    const b = await connectionIn(db, study.id, clock());
    const elsewhere = await connectionIn(db, other.id, clock());
    const aDone = await jobIn(db, a.id, 'done', clock());
    const aRunning = await jobIn(db, a.id, 'running', clock());
    const bQueued = await jobIn(db, b.id, 'queued', clock());
    await jobIn(db, elsewhere.id, 'running', clock());

    const list = async (query: string) => {
      const res = await app.request(`/api/v1/pull-jobs?${query}`, { headers: asViewer });
      expect(res.status).toBe(200);
      return (await res.json()) as ListJson & { limit: number; offset: number };
    };
    const ids = (page: ListJson) => page.items.map((j) => j.id);

    const ofStudy = await list(`studyId=${study.id}`);
    expect(ids(ofStudy)).toEqual([bQueued, aRunning, aDone]);
    expect(ofStudy).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(ofStudy.items[1]).toMatchObject({ connectionId: a.id, state: 'running', kind: 'daily', progressPct: 40 });

    expect(ids(await list(`participantId=${a.participantId}`))).toEqual([aRunning, aDone]);
    expect(ids(await list(`studyId=${study.id}&state=queued,running`))).toEqual([bQueued, aRunning]);
    expect(ids(await list(`connectionId=${a.id},${b.id}&state=done`))).toEqual([aDone]);
    expect(ids(await list(`connectionId=${b.id}`))).toEqual([bQueued]);

    const second = await list(`studyId=${study.id}&limit=1&offset=1`);
    expect(second).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(ids(second)).toEqual([aRunning]);
  });

  test('400 names the bad field: an unknown state, a limit of 0, a connection id that is not one', async ({ app }) => {
    for (const [query, field] of [
      ['state=bogus', 'state'],
      ['state=running,', 'state'],
      ['limit=0', 'limit'],
      ['connectionId=4,x', 'connectionId'],
    ] as const) {
      const res = await app.request(`/api/v1/pull-jobs?${query}`, { headers: asViewer });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as ErrorJson;
      expect(
        body.error.fields?.map((f) => f.field.split('.')[0]),
        query
      ).toEqual([field]);
    }
  });

  test('401 without the shared secret', async ({ app }) => {
    const res = await app.request('/api/v1/pull-jobs', { headers: withoutSecret });
    expect(res.status).toBe(401);
  });
});
