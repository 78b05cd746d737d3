import type { Knex } from 'knex';
import type { TestClock } from '../test/app-deps.ts';
import type { ProviderId } from '../providers/provider.ts';
import type { WearablesHarness } from '../test/provider-simulators/harness.ts';
import { saveStudyMeasurements } from '../study-measurements/store.ts';
import { createBudgets } from './budget.ts';
import { MEASUREMENTS } from './measurements.ts';
import type { PullDeps, PullPlan } from './pull.ts';

/**
 * Test tooling for the pulls: dependencies whose rate-limit waits move the test clock instead of
 * sleeping (the simulators share that clock, so their quota windows move with it), and a reader
 * of a table's rows for exact comparisons. A wait moves the clock only once no request is on its
 * way to a simulator: in real time a request arrives a latency after its budget let it go, not a
 * minute later because another job (running concurrently) waited for the next window.
 */
export function pullDeps(wearables: WearablesHarness, clock: TestClock): PullDeps & { slept: number[] } {
  const slept: number[] = [];
  let inFlight = 0;
  const fetchFn: typeof fetch = async (input, init) => {
    inFlight += 1;
    try {
      return await fetch(input, init);
    } finally {
      inFlight -= 1;
    }
  };
  const inner = createBudgets(clock, async (ms) => {
    slept.push(ms);
    const until = clock().getTime() + ms;
    while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    // Waits overlap as in real time: a job waiting for the same minute as another does not add to it.
    clock.set(new Date(Math.max(clock().getTime(), until)));
  });
  // A call made through the budgets is on its way from its admission (a token refresh first locks
  // its row, and does not go through fetchFn): no wait moves the clock under it.
  const budgets: typeof inner = {
    ...inner,
    limited: (keys, call) =>
      inner.limited(keys, async () => {
        inFlight += 1;
        try {
          return await call();
        } finally {
          inFlight -= 1;
        }
      }),
  };
  return { ...wearables.deps, budgets, slept, fetchFn };
}

export const UNIFIED_TABLES = [
  'heart_rate',
  'resting_heart_rate',
  'steps',
  'daily_activity',
  'sleep_sessions',
  'sleep_stages',
  'body_measurements',
  'spo2',
  'hrv',
  'respiratory_rate',
  'daily_vitals',
  'exercises',
  'sleepwise_periods',
  'device_status',
] as const;

/** `daily_activity` columns only Polar fills (its cardio load), all empty. */
export const NO_CARDIO_LOAD = {
  cardio_load_trimp: null,
  cardio_load_strain: null,
  cardio_load_tolerance: null,
  cardio_load_ratio: null,
  cardio_load_status: null,
} as const;

/** `daily_vitals` columns only Polar fills (its Nightly Recharge), all empty. */
export const NO_NIGHTLY_RECHARGE = {
  ans_charge: null,
  ans_charge_status: null,
  nightly_recharge_status: null,
  recharge_hr_avg_bpm: null,
  recharge_beat_interval_avg_ms: null,
} as const;

/** `body_measurements` columns only Withings fills (Getmeas types beyond weight, fat, pressure, temperature), all empty. */
export const NO_WITHINGS_BODY_COLUMNS = {
  height_m: null,
  fat_free_mass_kg: null,
  muscle_mass_kg: null,
  bone_mass_kg: null,
  hydration_kg: null,
  extracellular_water_kg: null,
  intracellular_water_kg: null,
  visceral_fat_index: null,
  skin_temperature_c: null,
  pulse_wave_velocity_m_s: null,
  vo2max_ml_min_kg: null,
} as const;

/**
 * The patient also grants Google `scopes` the connection did not ask for (a study reading ECGs or
 * irregular-rhythm notifications): on the simulator's grant, and as Vigil records what was granted.
 */
export async function grantGoogleScopes(wearables: WearablesHarness, db: Knex, connectionId: number, scopes: string[]) {
  const row = (await db('device_connections')
    .where({ id: connectionId })
    .first('external_user_id', 'scopes_granted')) as { external_user_id: string; scopes_granted: string };
  for (const g of wearables.fitbit.grants.grantsOf(row.external_user_id)) g.scopes.push(...scopes);
  await db('device_connections')
    .where({ id: connectionId })
    .update({ scopes_granted: [row.scopes_granted, ...scopes].join(' ') });
}

/** A connection's rows of a table, without its keys, in a stable order. */
export async function rowsOf(db: Knex, table: string, connectionId: number, orderBy: string[]) {
  const rows = (await db(table).where({ connection_id: connectionId }).orderBy(orderBy)) as Record<string, unknown>[];
  return rows.map(({ connection_id: _c, participant_id: _p, ...rest }) =>
    Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? Number(v) : v])
    )
  );
}

/** Everything a connection holds in the unified tables: for "re-running changes nothing". */
export async function snapshot(db: Knex, connectionId: number) {
  const out: Record<string, unknown[]> = {};
  for (const table of UNIFIED_TABLES) {
    const rows = (await db(table).where({ connection_id: connectionId })) as Record<string, unknown>[];
    // When a device list was last read moves with the clock; what it said must not.
    out[table] = rows.map(({ last_seen_at: _seen, ...row }) => row);
  }
  return out;
}

/** The connection's study collects every measurement, the opt-in ECG and irregular rhythm too. */
export async function collectEverything(db: Knex, connectionId: number, now: Date) {
  const { study_id: studyId } = (await db('device_connections as c')
    .join('participants as p', 'p.id', 'c.participant_id')
    .where('c.id', connectionId)
    .first('p.study_id')) as { study_id: number };
  await saveStudyMeasurements(db, studyId, MEASUREMENTS, now);
}

/** A newly connected patient of `vendor`: the connection, its participant and study, and the vendor's id for the user. */
export async function connectedPatient(wearables: WearablesHarness, db: Knex, vendor: ProviderId) {
  const { connectionId, participantId } = await wearables.connected(vendor);
  const { external_user_id: userId, study_id: studyId } = (await db('device_connections as c')
    .join('participants as p', 'p.id', 'c.participant_id')
    .where('c.id', connectionId)
    .first('c.external_user_id', 'p.study_id')) as { external_user_id: string; study_id: number };
  return { connectionId, participantId, studyId, userId };
}

/**
 * A connected patient whose study is in Paris (UTC+1 in November: what a vendor gives without a
 * zone is read there) and collects every measurement.
 */
export async function parisPatient(wearables: WearablesHarness, db: Knex, vendor: ProviderId, now: Date) {
  const patient = await connectedPatient(wearables, db, vendor);
  await db('studies').where({ id: patient.studyId }).update({ timezone: 'Europe/Paris' });
  await collectEverything(db, patient.connectionId, now);
  return patient;
}

/** The two days every vendor's measurement tests pull. */
export const MEASUREMENT_DAYS: PullPlan = {
  mode: 'range',
  from: new Date('2026-11-20T00:00:00Z'),
  to: new Date('2026-11-22T00:00:00Z'),
};
