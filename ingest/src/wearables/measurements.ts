import { GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE } from '../vendors/fitbit/provider.ts';
import type { ProviderId } from '../providers/provider.ts';

/**
 * The wearable measurements a study chooses to collect, each vendor's offer of them with the OAuth
 * scopes it needs, and which of the vendor's pull types reads each. The consent asks only for the
 * scopes of the chosen measurements, and a pull skips the types that serve none of them.
 */

export const MEASUREMENTS = [
  'heart_rate',
  'activity',
  'sleep',
  'body',
  'blood_pressure',
  'spo2',
  'temperature',
  'hrv_breathing',
  'vo2max',
  'workouts',
  'ecg',
  'irn',
  'recovery',
  'cardio_load',
  'sleepwise',
] as const;
export type WearableMeasurement = (typeof MEASUREMENTS)[number];

export const MEASUREMENT_LABELS: Readonly<Record<WearableMeasurement, string>> = {
  heart_rate: 'Heart rate',
  activity: 'Steps & activity',
  sleep: 'Sleep',
  body: 'Weight & body composition',
  blood_pressure: 'Blood pressure',
  spo2: 'Blood oxygen (SpO2)',
  temperature: 'Temperature',
  hrv_breathing: 'HRV & breathing rate',
  vo2max: 'VO2 max',
  workouts: 'Workouts',
  ecg: 'ECG',
  irn: 'Irregular-rhythm notifications',
  recovery: 'Recovery (Polar Nightly Recharge)',
  cardio_load: 'Cardio load (Polar)',
  sleepwise: 'SleepWise (Polar alertness, circadian bedtime)',
};

/**
 * Asked for only when a study enables them: Google classes their scopes as restricted and they
 * are diagnostic data, so a study that says nothing does not collect them.
 */
export const OPT_IN: readonly WearableMeasurement[] = ['ecg', 'irn'];
export const DEFAULT_MEASUREMENTS: readonly WearableMeasurement[] = MEASUREMENTS.filter((m) => !OPT_IN.includes(m));

const GOOGLE = 'https://www.googleapis.com/auth/googlehealth.';
const ACTIVITY = `${GOOGLE}activity_and_fitness.readonly`;
const METRICS = `${GOOGLE}health_metrics_and_measurements.readonly`;
const SLEEP = `${GOOGLE}sleep.readonly`;

type Offer = {
  /** Every scope the vendor may be asked for, in the order a consent lists them. */
  readonly order: readonly string[];
  /** Asked whatever the study collects: what the pull needs for every type (device lists). */
  readonly always: readonly string[];
  /** The measurements the vendor delivers, each with the scopes its reads need. */
  readonly scopes: Partial<Readonly<Record<WearableMeasurement, readonly string[]>>>;
  /**
   * The pull's data types (`DataSource.types` names) and the measurements each reads; a type is
   * read when the study collects any of them. An empty list: read for every study (devices).
   */
  readonly types: Readonly<Record<string, readonly WearableMeasurement[]>>;
};

/**
 * Google: the Health API's scopes by data type (google-health-api.md §1.3), `settings.readonly` for
 * the paired devices whose last sync bounds every read. Withings: `user.metrics` for getmeas and
 * the heart list, `user.activity` for activity, workouts and sleep (wearable-apis.md §4.1.1),
 * `user.info` for the device list, `user.sleepevents` with sleep for its notifications. Polar: its
 * one scope covers everything.
 */
export const OFFERS: Readonly<Record<ProviderId, Offer>> = {
  fitbit: {
    order: [ACTIVITY, METRICS, SLEEP, `${GOOGLE}settings.readonly`, GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE],
    always: [`${GOOGLE}settings.readonly`],
    scopes: {
      heart_rate: [METRICS],
      activity: [ACTIVITY],
      sleep: [SLEEP],
      body: [METRICS],
      spo2: [METRICS],
      temperature: [METRICS],
      hrv_breathing: [METRICS],
      vo2max: [ACTIVITY],
      workouts: [ACTIVITY],
      ecg: [GOOGLE_ECG_SCOPE],
      irn: [GOOGLE_IRN_SCOPE],
    },
    types: {
      devices: [],
      steps: ['activity'],
      heartRate: ['heart_rate'],
      restingHeartRate: ['heart_rate'],
      sleep: ['sleep'],
      weight: ['body'],
      spo2: ['spo2'],
      hrv: ['hrv_breathing'],
      bodyFat: ['body'],
      vo2Max: ['vo2max'],
      respiratorySleep: ['hrv_breathing'],
      dailyRespiratoryRate: ['hrv_breathing'],
      dailySpo2: ['spo2'],
      dailyHrv: ['hrv_breathing'],
      skinTemperature: ['temperature'],
      dailyVo2Max: ['vo2max'],
      exercise: ['workouts'],
      dailyTotals: ['activity'],
      ecg: ['ecg'],
      irn: ['irn'],
    },
  },
  withings: {
    order: ['user.info', 'user.metrics', 'user.activity', 'user.sleepevents'],
    always: ['user.info'],
    scopes: {
      heart_rate: ['user.metrics', 'user.activity'],
      activity: ['user.activity'],
      sleep: ['user.activity', 'user.sleepevents'],
      body: ['user.metrics'],
      blood_pressure: ['user.metrics'],
      spo2: ['user.metrics'],
      temperature: ['user.metrics'],
      hrv_breathing: ['user.activity'],
      vo2max: ['user.metrics'],
      workouts: ['user.activity'],
      ecg: ['user.metrics'],
      irn: ['user.metrics'],
    },
    types: {
      measures: ['body', 'blood_pressure', 'heart_rate', 'spo2', 'temperature', 'vo2max', 'ecg', 'irn'],
      sleep: ['sleep', 'hrv_breathing'],
      devices: [],
      activity: ['activity'],
      workouts: ['workouts'],
      intraday: ['activity', 'heart_rate'],
      heart: ['ecg'],
    },
  },
  polar: {
    order: ['accesslink.read_all'],
    always: ['accesslink.read_all'],
    scopes: {
      heart_rate: [],
      activity: [],
      sleep: [],
      body: [],
      spo2: [],
      temperature: [],
      workouts: [],
      ecg: [],
      recovery: [],
      cardio_load: [],
      sleepwise: [],
    },
    types: {
      exercises: ['workouts'],
      activity: ['activity'],
      continuousHr: ['heart_rate'],
      sleep: ['sleep'],
      ecgTests: ['ecg'],
      spo2Tests: ['spo2'],
      nightlyRecharge: ['recovery'],
      cardioLoad: ['cardio_load'],
      alertness: ['sleepwise'],
      circadianBedtime: ['sleepwise'],
      bodyTemperature: ['temperature'],
      skinTemperature: ['temperature'],
      physicalInfo: ['body'],
    },
  },
};

/** The measurements a vendor delivers, in the catalogue's order. */
export const offeredBy = (provider: ProviderId): WearableMeasurement[] =>
  MEASUREMENTS.filter((m) => OFFERS[provider].scopes[m] !== undefined);

/**
 * The scopes a consent asks for a study collecting `chosen`; empty when the vendor delivers none
 * of them (nothing to connect for).
 */
export function scopesFor(provider: ProviderId, chosen: readonly WearableMeasurement[]): string[] {
  const offer = OFFERS[provider];
  const wanted = chosen.filter((m) => offer.scopes[m] !== undefined);
  if (wanted.length === 0) return [];
  const needed = new Set([...offer.always, ...wanted.flatMap((m) => offer.scopes[m] ?? [])]);
  return offer.order.filter((s) => needed.has(s));
}

/**
 * The chosen measurements a connection's grant covers (null: the vendor does not say, so all). One
 * chosen after the patient consented waits for their next consent: asking without the scope would
 * be refused and take the whole connection to re-consent.
 */
export function grantedMeasurements(
  provider: ProviderId,
  chosen: readonly WearableMeasurement[],
  granted: readonly string[] | null
): WearableMeasurement[] {
  const offer = OFFERS[provider];
  if (granted === null) return [...chosen];
  return chosen.filter((m) => (offer.scopes[m] ?? []).every((s) => granted.includes(s)));
}

/** Whether a pull reads the vendor's data type for a study collecting `chosen`. */
export function readsType(provider: ProviderId, type: string, chosen: readonly WearableMeasurement[]): boolean {
  const serves = OFFERS[provider].types[type];
  if (serves === undefined) throw new Error(`the ${provider} type ${type} serves no known measurement`);
  return serves.length === 0 || serves.some((m) => chosen.includes(m));
}
