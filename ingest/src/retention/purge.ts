import type { Knex } from 'knex';
import type { Actor } from '../audit/store.ts';
import { recordAudit } from '../audit/store.ts';
import { PARTITIONED_TABLES } from '../streams/partitions.ts';
import { purgeCutoff } from './window.ts';

export type PurgeResult = { studies: number; participants: number };

/**
 * Really deletes what was soft-deleted longer ago than the retention window: participants first,
 * then studies (whose remaining participants go with them through the foreign key). One transaction,
 * so a purge is all or nothing, and each deletion leaves its audit row.
 */
export async function purgeExpired(
  db: Knex,
  now: Date,
  retentionDays: number,
  actor: Actor,
  requestId?: string
): Promise<PurgeResult> {
  const cutoff = purgeCutoff(now, retentionDays);
  return db.transaction(async (trx) => {
    const participants = (await trx('participants')
      .select('id', 'study_id', 'label', 'status', 'deleted_at')
      .where('deleted_at', '<', cutoff)
      .forUpdate()) as { id: number; study_id: number; label: string; status: string; deleted_at: Date }[];
    const studies = (await trx('studies')
      .select('id', 'name', 'deleted_at')
      .where('deleted_at', '<', cutoff)
      .forUpdate()) as { id: number; name: string; deleted_at: Date }[];

    for (const p of participants) {
      await recordAudit(trx, now, {
        caller: actor,
        requestId,
        action: 'participant.purge',
        target: { type: 'participant', id: p.id, studyId: p.study_id },
        before: { label: p.label, status: p.status, deletedAt: p.deleted_at },
        after: null,
      });
    }
    for (const s of studies) {
      const [count] = await trx('participants').where({ study_id: s.id }).count({ n: '*' });
      await recordAudit(trx, now, {
        caller: actor,
        requestId,
        action: 'study.purge',
        target: { type: 'study', id: s.id, studyId: s.id },
        before: { name: s.name, deletedAt: s.deleted_at, participants: Number(count?.n ?? 0) },
        after: null,
      });
    }
    // Partitioned tables cannot have foreign keys, so the cascade does not reach the motion rows.
    const inGoneStudies = (await trx('participants')
      .whereIn(
        'study_id',
        studies.map((s) => s.id)
      )
      .pluck('id')) as number[];
    const goneIds = [...participants.map((p) => p.id), ...inGoneStudies];
    if (goneIds.length > 0) {
      for (const table of PARTITIONED_TABLES) await trx(table).whereIn('participant_id', goneIds).delete();
    }
    if (participants.length > 0)
      await trx('participants')
        .whereIn(
          'id',
          participants.map((p) => p.id)
        )
        .delete();
    if (studies.length > 0)
      await trx('studies')
        .whereIn(
          'id',
          studies.map((s) => s.id)
        )
        .delete();
    return { studies: studies.length, participants: participants.length };
  });
}
