import type { Knex } from 'knex';
import { insertConnection } from '../connections/store.ts';
import type { ProviderId } from '../providers/provider.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import type { Owner } from '../wearables/writer.ts';
import type { Priorities } from './schemas.ts';
import { saveSourcePriorities } from './store.ts';

/** A participant of a study with these source priorities, connected to Fitbit, Withings and Polar (tests). */
export async function patientWithWearables(db: Knex, priorities: Priorities, now: Date) {
  const study = await insertStudy(db, {}, now);
  await saveSourcePriorities(db, study.id, priorities, now);
  const p = await insertParticipant(db, study.id, {}, now);
  const owners = {} as Record<ProviderId, Owner>;
  for (const provider of ['fitbit', 'withings', 'polar'] as const) {
    const connectionId = await insertConnection(
      db,
      { participant_id: p.id, provider, api: provider, status: 'active', scopes_requested: 'all' },
      now
    );
    owners[provider] = { connectionId, participantId: p.id, source: provider };
  }
  return { id: p.id, studyId: study.id, owners };
}
