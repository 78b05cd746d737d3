import type { Knex } from 'knex';
import type { ProviderId } from '../providers/provider.ts';
import { measurementsOfStudies } from '../study-measurements/store.ts';
import { MEASUREMENT_LABELS, ungrantedMeasurements, type WearableMeasurement } from '../wearables/measurements.ts';
import type { ConnectionStatus } from './store.ts';

type Listed = {
  readonly id: number;
  readonly provider: ProviderId;
  readonly status: ConnectionStatus;
  readonly scopesGranted: readonly string[] | null;
  readonly studyId: number;
};

export type ConsentGap = { readonly id: WearableMeasurement; readonly label: string };

/**
 * Per connection, what its study collects that the patient's consent does not cover yet (chosen
 * after they consented): pulls leave it out until a new consent grants it. A disconnected
 * connection needs a new connection, not a new consent, so it has none.
 */
export async function consentGaps(db: Knex, connections: readonly Listed[]): Promise<Map<number, ConsentGap[]>> {
  const chosen = await measurementsOfStudies(db, [...new Set(connections.map((c) => c.studyId))]);
  return new Map(
    connections.map((c) => [
      c.id,
      c.status === 'disconnected'
        ? []
        : ungrantedMeasurements(c.provider, chosen.get(c.studyId) ?? [], c.scopesGranted).map((m) => ({
            id: m,
            label: MEASUREMENT_LABELS[m],
          })),
    ])
  );
}
