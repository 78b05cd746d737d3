import type { ProviderId } from '../providers/provider.ts';
import { vendorOf } from '../vendors/registry.ts';

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

/** The measurements a vendor delivers, in the catalogue's order. */
export const offeredBy = (provider: ProviderId): WearableMeasurement[] =>
  MEASUREMENTS.filter((m) => vendorOf(provider).offer.scopes[m] !== undefined);

/**
 * The scopes a consent asks for a study collecting `chosen`; empty when the vendor delivers none
 * of them (nothing to connect for).
 */
export function scopesFor(provider: ProviderId, chosen: readonly WearableMeasurement[]): string[] {
  const offer = vendorOf(provider).offer;
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
  const offer = vendorOf(provider).offer;
  if (granted === null) return [...chosen];
  return chosen.filter((m) => (offer.scopes[m] ?? []).every((s) => granted.includes(s)));
}

/**
 * The chosen measurements the vendor offers but the connection's grant does not cover: what the
 * patient's next consent would add. The complement of `grantedMeasurements`, so staff are told
 * exactly what a pull leaves out.
 */
export function ungrantedMeasurements(
  provider: ProviderId,
  chosen: readonly WearableMeasurement[],
  granted: readonly string[] | null
): WearableMeasurement[] {
  const covered = grantedMeasurements(provider, chosen, granted);
  return chosen.filter((m) => !covered.includes(m));
}

/** Whether a pull reads the vendor's data type for a study collecting `chosen`. */
export function readsType(provider: ProviderId, type: string, chosen: readonly WearableMeasurement[]): boolean {
  const serves = vendorOf(provider).offer.types[type];
  if (serves === undefined) throw new Error(`the ${provider} type ${type} serves no known measurement`);
  return serves.length === 0 || serves.some((m) => chosen.includes(m));
}
