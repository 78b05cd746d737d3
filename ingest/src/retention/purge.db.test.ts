import { describe, expect } from 'vitest';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, test, withoutSecret } from '../test/fixtures.ts';

const DAY = 86_400_000;

describe('POST /api/v1/purge', () => {
  test('deletes only what is past the window, with the study cascade, and audits each purge', async ({
    app,
    db,
    clock,
  }) => {
    const kept = await insertStudy(db);
    const live = await insertParticipant(db, kept.id);
    const recentlyDeleted = await insertParticipant(db, kept.id);
    const longDeleted = await insertParticipant(db, kept.id);
    const goneStudy = await insertStudy(db);
    const insideGoneStudy = await insertParticipant(db, goneStudy.id);

    const now = clock();
    const old = new Date(now.getTime() - 31 * DAY);
    await db('participants')
      .where({ id: recentlyDeleted.id })
      .update({ deleted_at: new Date(now.getTime() - 29 * DAY) });
    await db('participants').where({ id: longDeleted.id }).update({ deleted_at: old });
    await db('studies').where({ id: goneStudy.id }).update({ deleted_at: old });

    // Motion tables are partitioned (no foreign keys): the purge must remove their rows itself.
    await db('accelerometer').insert([
      { participant_id: longDeleted.id, t: new Date('2026-11-20T10:00:00Z'), os: 1, accuracy: 3, x: 1, y: 2, z: 3 },
      { participant_id: insideGoneStudy.id, t: new Date('2026-11-20T10:00:00Z'), os: 1, accuracy: 3, x: 1, y: 2, z: 3 },
      { participant_id: live.id, t: new Date('2026-11-20T10:00:00Z'), os: 1, accuracy: 3, x: 1, y: 2, z: 3 },
    ]);
    const res = await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin });
    expect(res.status).toBe(200);
    const { purged } = (await res.json()) as { purged: { studies: number; participants: number } };
    // Other tests' rows may also be past the window; ours must be among what went.
    expect(purged.studies).toBeGreaterThanOrEqual(1);
    expect(purged.participants).toBeGreaterThanOrEqual(1);

    const remaining = (await db('participants')
      .whereIn('id', [live.id, recentlyDeleted.id, longDeleted.id, insideGoneStudy.id])
      .pluck('id')) as number[];
    expect(remaining.sort()).toEqual([live.id, recentlyDeleted.id].sort());
    expect(await db('studies').where({ id: kept.id }).first()).toBeDefined();
    expect(
      await db('accelerometer')
        .whereIn('participant_id', [longDeleted.id, insideGoneStudy.id, live.id])
        .pluck('participant_id')
    ).toEqual([live.id]);
    expect(await db('studies').where({ id: goneStudy.id }).first()).toBeUndefined();

    expect((await auditRowsFor(db, 'participant', longDeleted.id)).map((a) => [a.action, a.actor.login])).toEqual([
      ['participant.purge', 'ann'],
    ]);
    const [studyPurge] = await auditRowsFor(db, 'study', goneStudy.id);
    expect(studyPurge).toMatchObject({ action: 'study.purge', before: { participants: 1 } });
  });

  test('403 for a Viewer and 401 without secret, purging nothing', async ({ app, db, clock }) => {
    const study = await insertStudy(db);
    await db('studies')
      .where({ id: study.id })
      .update({ deleted_at: new Date(clock().getTime() - 40 * DAY) });
    expect((await app.request('/api/v1/purge', { method: 'POST', headers: asViewer })).status).toBe(403);
    expect((await app.request('/api/v1/purge', { method: 'POST', headers: withoutSecret })).status).toBe(401);
    expect(await db('studies').where({ id: study.id }).first()).toBeDefined();
  });
});
