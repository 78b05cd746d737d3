import { describe, expect } from 'vitest';
import { saveStudyMeasurements } from '../study-measurements/store.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { test } from '../test/fixtures.ts';
import { googleHealthData } from '../test/provider-simulators/google-health-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { withingsData } from '../test/provider-simulators/withings-data.ts';
import { pullConnection, type PullPlan } from './pull.ts';
import { pullDeps } from './testing.ts';

type Sims = {
  wearables: WearablesHarness;
  google: ReturnType<typeof googleHealthData>;
  withings: ReturnType<typeof withingsData>;
};
const simTest = test.extend<{ sims: Sims }>({
  sims: async ({ db, clock, vault, archiveStore }, use) => {
    const google = googleHealthData();
    const withings = withingsData();
    const wearables = await startWearablesHarness({
      db,
      clock,
      vault,
      archiveStore,
      sims: { fitbit: { extend: google.extend }, withings: { extend: withings.extend } },
    });
    await use({ wearables, google, withings });
    await wearables.close();
  },
});

const DAY_MS = 86_400_000;
const fitbitDevice = { platform: 'FITBIT', recordingMethod: 'PASSIVELY_MEASURED', device: { displayName: 'Charge 6' } };
const interval = (start: Date, end: Date) => ({ startTime: start.toISOString(), endTime: end.toISOString() });

async function connected(sims: Sims, db: Parameters<typeof saveStudyMeasurements>[0], provider: 'fitbit' | 'withings') {
  const { connectionId, participantId } = await sims.wearables.connected(provider);
  const { external_user_id: user } = (await db('device_connections')
    .where({ id: connectionId })
    .first('external_user_id')) as { external_user_id: string };
  const { study_id: studyId } = (await db('participants').where({ id: participantId }).first('study_id')) as {
    study_id: number;
  };
  return { connectionId, studyId, user };
}

const count = async (db: Parameters<typeof saveStudyMeasurements>[0], table: string, connectionId: number) =>
  ((await db(table).where({ connection_id: connectionId }).count({ n: '*' })) as { n: number }[])[0]!.n;

describe('a pull reads only what the study collects', () => {
  simTest('Fitbit: sleep not chosen is never asked for and leaves no rows', async ({ sims, db, clock }) => {
    const now = clock();
    const { connectionId, studyId, user } = await connected(sims, db, 'fitbit');
    const night = { start: new Date(now.getTime() - DAY_MS), end: new Date(now.getTime() - DAY_MS + 7 * 3_600_000) };
    sims.google.put(user, 'sleep', [
      { name: 'sleep-1', dataSource: fitbitDevice, sleep: { interval: interval(night.start, night.end) } },
    ]);
    sims.google.put(user, 'heart-rate', [
      {
        dataSource: fitbitDevice,
        heartRate: { beatsPerMinute: '61', sampleTime: { physicalTime: night.start.toISOString() } },
      },
    ]);
    const plan: PullPlan = { mode: 'range', from: new Date(now.getTime() - 2 * DAY_MS), to: now };
    const deps = pullDeps(sims.wearables, clock);

    await saveStudyMeasurements(db, studyId, ['heart_rate'], now);
    expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
    expect(sims.wearables.fitbit.count('list:sleep')).toBe(0);
    expect(sims.wearables.fitbit.count('list:steps')).toBe(0);
    expect(sims.wearables.fitbit.count('dailyRollUp:steps')).toBe(0);
    expect(sims.wearables.fitbit.count('list:heart-rate')).toBe(1);
    expect(await count(db, 'sleep_sessions', connectionId)).toBe(0);
    expect(await count(db, 'heart_rate', connectionId)).toBe(1);

    // Chosen again: the next pull reads it.
    await saveStudyMeasurements(db, studyId, ['heart_rate', 'sleep'], now);
    expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
    expect(sims.wearables.fitbit.count('list:sleep')).toBe(1);
    expect(await count(db, 'sleep_sessions', connectionId)).toBe(1);
  });

  simTest(
    'a measurement chosen after the patient consented waits for their next consent',
    async ({ sims, db, clock }) => {
      const now = clock();
      const study = await insertStudy(db);
      await saveStudyMeasurements(db, study.id, ['heart_rate'], now);
      const participant = await insertParticipant(db, study.id);
      expect((await sims.wearables.connect(participant.id, 'fitbit')).status).toBe(200);
      const { id: connectionId } = (await db('device_connections')
        .where({ participant_id: participant.id })
        .first('id')) as { id: number };

      // Without the sleep scope Google would refuse the call, and the refusal would stop every pull.
      await saveStudyMeasurements(db, study.id, ['heart_rate', 'sleep'], now);
      const plan: PullPlan = { mode: 'range', from: new Date(now.getTime() - DAY_MS), to: now };
      expect((await pullConnection(pullDeps(sims.wearables, clock), connectionId, plan)).errors).toEqual([]);
      expect(sims.wearables.fitbit.count('list:sleep')).toBe(0);
      expect(sims.wearables.fitbit.count('list:heart-rate')).toBe(1);
      expect(await db('device_connections').where({ id: connectionId }).first('status')).toEqual({ status: 'active' });
    }
  );

  simTest(
    'Withings: getmeas asks only for the chosen types; sleep and activity are not called',
    async ({ sims, db, clock }) => {
      const now = clock();
      const { connectionId, studyId, user } = await connected(sims, db, 'withings');
      const at = Math.floor((now.getTime() - DAY_MS) / 1000);
      sims.withings.user(user).measuregrps = [
        {
          grpid: at,
          attrib: 0,
          date: at,
          created: at,
          modified: at,
          category: 1,
          measures: [
            { type: 1, value: 80500, unit: -3 },
            { type: 10, value: 128, unit: 0 },
            { type: 9, value: 82, unit: 0 },
          ],
        },
      ];
      await saveStudyMeasurements(db, studyId, ['blood_pressure'], now);
      const plan: PullPlan = { mode: 'range', from: new Date(now.getTime() - 2 * DAY_MS), to: now };

      expect((await pullConnection(pullDeps(sims.wearables, clock), connectionId, plan)).errors).toEqual([]);
      expect(sims.wearables.withings.count('measure:getmeas')).toBe(1);
      for (const call of [
        'sleep:getsummary',
        'sleep:get',
        'measure:getactivity',
        'measure:getworkouts',
        'heart:list',
      ]) {
        expect(sims.wearables.withings.count(call), call).toBe(0);
      }
      expect(
        await db('body_measurements').where({ connection_id: connectionId }).select('systolic_mmhg', 'weight_kg')
      ).toEqual([{ systolic_mmhg: 128, weight_kg: null }]);
    }
  );
});
