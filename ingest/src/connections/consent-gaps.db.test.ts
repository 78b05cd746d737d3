import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { saveStudyMeasurements } from '../study-measurements/store.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { asViewer, withoutSecret } from '../test/fixtures.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';
import { consentGaps } from './consent-gaps.ts';
import { findConnection } from './store.ts';

const GOOGLE = 'https://www.googleapis.com/auth/googlehealth.';
const HEART_RATE_ONLY = [`${GOOGLE}health_metrics_and_measurements.readonly`, `${GOOGLE}settings.readonly`];

/** A participant of a new study that collects only heart rate. */
async function heartRateParticipant(db: Knex, now: Date) {
  const study = await insertStudy(db);
  await saveStudyMeasurements(db, study.id, ['heart_rate'], now);
  return { study, p: await insertParticipant(db, study.id) };
}

describe('what a connection needs a new consent for', () => {
  test('a measurement chosen after the consent, until a consent grants it; one the vendor lacks never', async ({
    wearables,
    db,
    clock,
  }) => {
    const { study, p } = await heartRateParticipant(db, clock());
    expect((await wearables.connect(p.id, 'fitbit', { user: 'gap-user' })).status).toBe(200);
    const row = (await db('device_connections').where({ participant_id: p.id }).first('id')) as { id: number };
    const gapsNow = async () => {
      const c = await findConnection(db, row.id);
      return (await consentGaps(db, [{ ...c!, studyId: study.id }])).get(row.id);
    };
    expect(await findConnection(db, row.id)).toMatchObject({ scopesGranted: HEART_RATE_ONLY });
    expect(await gapsNow()).toEqual([]);

    // SpO2 shares heart rate's scope; ECG has its own; Polar's recovery is not Google's to give.
    await saveStudyMeasurements(db, study.id, ['heart_rate', 'spo2', 'ecg', 'recovery'], clock());
    expect(await gapsNow()).toEqual([{ id: 'ecg', label: 'ECG' }]);

    expect((await wearables.connect(p.id, 'fitbit', { user: 'gap-user' })).status).toBe(200);
    expect(await db('device_connections').where({ participant_id: p.id })).toHaveLength(1);
    expect((await findConnection(db, row.id))?.scopesGranted).toContain(`${GOOGLE}ecg.readonly`);
    expect(await gapsNow()).toEqual([]);
  });

  test('a disconnected connection needs a new connection, not a consent', async ({ wearables, db, clock }) => {
    const { connectionId, participantId } = await wearables.connected('fitbit');
    const { study_id: studyId } = (await db('participants').where({ id: participantId }).first('study_id')) as {
      study_id: number;
    };
    await saveStudyMeasurements(db, studyId, ['heart_rate', 'ecg'], clock());
    const c = (await findConnection(db, connectionId))!;
    expect((await consentGaps(db, [{ ...c, studyId }])).get(connectionId)).toEqual([{ id: 'ecg', label: 'ECG' }]);
    expect((await consentGaps(db, [{ ...c, studyId, status: 'disconnected' }])).get(connectionId)).toEqual([]);
  });
});

describe('GET /api/v1/connections and /participants/:id/connections: needsConsentFor', () => {
  test('a Viewer reads each connection with the measurements its patient must consent to again', async ({
    wearables,
    db,
    clock,
  }) => {
    const { study, p } = await heartRateParticipant(db, clock());
    expect((await wearables.connect(p.id, 'fitbit')).status).toBe(200);
    expect((await wearables.connect(p.id, 'withings')).status).toBe(200);
    await saveStudyMeasurements(db, study.id, ['heart_rate', 'sleep', 'ecg', 'blood_pressure'], clock());

    const base = `${wearables.url}/api/v1`;
    type Listed = { items: { provider: string; needsConsentFor: unknown }[] };
    const read = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: asViewer });
      expect(res.status).toBe(200);
      return ((await res.json()) as Listed).items.map((c) => [c.provider, c.needsConsentFor]);
    };
    // Withings' heart-rate consent (user.metrics, user.activity) already covers blood pressure and
    // ECG; sleep also needs user.sleepevents.
    const expected = [
      [
        'fitbit',
        [
          { id: 'sleep', label: 'Sleep' },
          { id: 'ecg', label: 'ECG' },
        ],
      ],
      ['withings', [{ id: 'sleep', label: 'Sleep' }]],
    ];
    expect(await read(`/connections?studyId=${study.id}`)).toEqual(expected);
    expect(await read(`/participants/${p.id}/connections`)).toEqual(expected);
    expect((await fetch(`${base}/connections?studyId=${study.id}`, { headers: withoutSecret })).status).toBe(401);
  });
});
