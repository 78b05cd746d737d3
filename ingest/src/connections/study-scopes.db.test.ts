import { describe, expect } from 'vitest';
import { saveStudyMeasurements } from '../study-measurements/store.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin, jsonBody } from '../test/fixtures.ts';
import { consentUrl, visit } from '../test/provider-simulators/browser.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';
import type { WearableMeasurement } from '../wearables/measurements.ts';
import { findConnection } from './store.ts';

const GOOGLE = 'https://www.googleapis.com/auth/googlehealth.';

describe('the consent asks for what the study collects', () => {
  const participantCollecting = async (
    db: Parameters<typeof insertStudy>[0],
    measurements: readonly WearableMeasurement[] | null,
    now: Date
  ) => {
    const study = await insertStudy(db);
    if (measurements) await saveStudyMeasurements(db, study.id, measurements, now);
    return insertParticipant(db, study.id);
  };

  test('Google: ECG and irregular rhythm are asked for only once the study enables them', async ({
    wearables,
    db,
    clock,
  }) => {
    const byDefault = await participantCollecting(db, null, clock());
    const plain = new URL(consentUrl(await wearables.connect(byDefault.id, 'fitbit'))).searchParams.get('scope');
    expect(plain?.split(' ')).toEqual([
      `${GOOGLE}activity_and_fitness.readonly`,
      `${GOOGLE}health_metrics_and_measurements.readonly`,
      `${GOOGLE}sleep.readonly`,
      `${GOOGLE}settings.readonly`,
    ]);

    const cardiac = await participantCollecting(db, ['heart_rate', 'ecg', 'irn'], clock());
    const visited = await wearables.connect(cardiac.id, 'fitbit');
    expect(visited.status).toBe(200);
    const asked = [
      `${GOOGLE}health_metrics_and_measurements.readonly`,
      `${GOOGLE}settings.readonly`,
      `${GOOGLE}ecg.readonly`,
      `${GOOGLE}irn.readonly`,
    ];
    expect(new URL(consentUrl(visited)).searchParams.get('scope')?.split(' ')).toEqual(asked);
    const row = (await db('device_connections').where({ participant_id: cardiac.id }).first('id')) as { id: number };
    expect(await findConnection(db, row.id)).toMatchObject({ status: 'active', scopesRequested: asked });
  });

  test('a consent without a scope the study needs names it on the page, in words', async ({ wearables, db, clock }) => {
    const cardiac = await participantCollecting(db, ['heart_rate', 'ecg'], clock());
    const visited = await wearables.connect(cardiac.id, 'fitbit', {
      scopes: [`${GOOGLE}health_metrics_and_measurements.readonly`, `${GOOGLE}settings.readonly`],
    });
    expect(visited.status).toBe(403);
    expect(visited.body).toContain('ECG recordings');
    expect(visited.body).not.toContain('sleep');
  });

  test('Withings: a study collecting only blood pressure asks for user.metrics and the device list', async ({
    wearables,
    db,
    clock,
  }) => {
    const participant = await participantCollecting(db, ['blood_pressure'], clock());
    const visited = await wearables.connect(participant.id, 'withings');
    expect(visited.status).toBe(200);
    expect(new URL(consentUrl(visited)).searchParams.get('scope')).toBe('user.info,user.metrics');
  });

  test('a vendor offering none of the chosen measurements cannot be connected', async ({ wearables, db, clock }) => {
    const participant = await participantCollecting(db, ['recovery', 'cardio_load'], clock());
    const res = await fetch(`${wearables.url}/api/v1/participants/${participant.id}/connect-links`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ provider: 'withings' }),
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('collects none of the measurements Withings offers');
    expect(await db('connect_links').where({ participant_id: participant.id })).toEqual([]);

    // A link made before the study stopped collecting what the vendor offers.
    const other = await participantCollecting(db, null, clock());
    const link = await wearables.createLink(other.id, 'withings');
    await saveStudyMeasurements(db, other.studyId, ['sleepwise'], clock());
    const page = await visit(link.url);
    expect(page.status).toBe(409);
    expect(page.body).toContain('does not collect data from Withings');
    expect(wearables.withings.count('token:authorization_code')).toBe(0);
  });
});
