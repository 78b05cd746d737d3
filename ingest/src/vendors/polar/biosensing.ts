import { z } from 'zod';
import type { Batch, BodyRow, HeartRhythmRow } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { datesIn, offsetMinutes } from '../../wearables/time.ts';
import { dataDevice, dateRange, polarGet as get, polarUtc } from './get.ts';
import type { PullEnv, Window } from '../../wearables/source.ts';

/**
 * Polar's SleepWise and Elixir biosensing (AccessLink `sleepwise/*`, `biosensing/*`): each one
 * range call of at most 28 dates. Their times are UTC written without a zone; the ECG and SpO2
 * tests carry the patient's offset, SleepWise the sleep's, body temperature none (the study's zone).
 */

const range = async (env: PullEnv, token: string, w: Window, path: string, during: string) => {
  const dates = datesIn(w.from, w.to);
  return dates.length === 0 ? null : get(env, `${path}?${dateRange(dates)}`, token, during);
};

const Hourly = z.looseObject({
  validity: z.string().optional(),
  alertness_level: z.string(),
  start_time: z.string(),
  end_time: z.string(),
});
const Alertness = z.looseObject({
  grade: z.number().optional(),
  grade_validity_seconds: z.number().optional(),
  grade_type: z.string().optional(),
  grade_classification: z.string().optional(),
  validity: z.string().optional(),
  sleep_inertia: z.string().optional(),
  sleep_type: z.string().optional(),
  result_type: z.string().optional(),
  period_start_time: z.string(),
  period_end_time: z.string(),
  sleep_period_start_time: z.string().optional(),
  sleep_period_end_time: z.string().optional(),
  sleep_timezone_offset_minutes: z.number().optional(),
  hourly_data: z.array(Hourly).optional(),
});
const Bedtime = z.looseObject({
  validity: z.string().optional(),
  quality: z.string().optional(),
  result_type: z.string().optional(),
  period_start_time: z.string(),
  period_end_time: z.string(),
  preferred_sleep_period_start_time: z.string().optional(),
  preferred_sleep_period_end_time: z.string().optional(),
  sleep_gate_start_time: z.string().optional(),
  sleep_gate_end_time: z.string().optional(),
  sleep_timezone_offset_minutes: z.number().optional(),
});

/** `ALERTNESS_TYPE_HISTORY` → `history`: Polar's prefixes say nothing the column name does not. */
const resultType = (s: string | undefined) => (s === undefined ? null : s.replace(/^[A-Z_]*TYPE_/, '').toLowerCase());
const utcOrNull = (s: string | undefined) => (s === undefined ? null : polarUtc(s));

/** Columns of the other kind, empty, so that a re-read row is replaced whole. */
const ALERTNESS_NONE = {
  grade: null,
  grade_classification: null,
  grade_type: null,
  grade_validity_s: null,
  sleep_inertia: null,
  sleep_type: null,
  sleep_start_at: null,
  sleep_end_at: null,
  hourly_levels: null,
};
const BEDTIME_NONE = {
  quality: null,
  preferred_sleep_start_at: null,
  preferred_sleep_end_at: null,
  sleep_gate_start_at: null,
  sleep_gate_end_at: null,
};

export async function alertness(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const body = await range(env, token, w, '/v3/users/sleepwise/alertness/date', 'SleepWise alertness');
  for (const a of z.array(Alertness).parse(body ?? [])) {
    const start = polarUtc(a.period_start_time);
    b.sleepwise.push({
      device: null,
      utc_offset_min: a.sleep_timezone_offset_minutes ?? offsetMinutes(env.timeZone, start),
      kind: 'alertness',
      start_at: start,
      end_at: polarUtc(a.period_end_time),
      entry: 'device',
      result_type: resultType(a.result_type),
      validity: a.validity ?? null,
      ...BEDTIME_NONE,
      grade: a.grade ?? null,
      grade_classification: a.grade_classification ?? null,
      grade_type: a.grade_type ?? null,
      grade_validity_s: a.grade_validity_seconds ?? null,
      sleep_inertia: a.sleep_inertia ?? null,
      sleep_type: a.sleep_type ?? null,
      sleep_start_at: utcOrNull(a.sleep_period_start_time),
      sleep_end_at: utcOrNull(a.sleep_period_end_time),
      hourly_levels: (a.hourly_data ?? []).map((h) => ({
        start_at: polarUtc(h.start_time),
        end_at: polarUtc(h.end_time),
        level: h.alertness_level,
        validity: h.validity ?? null,
      })),
    });
  }
  return b;
}

export async function circadianBedtime(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const body = await range(env, token, w, '/v3/users/sleepwise/circadian-bedtime/date', 'SleepWise circadian bedtime');
  for (const c of z.array(Bedtime).parse(body ?? [])) {
    const start = polarUtc(c.period_start_time);
    b.sleepwise.push({
      device: null,
      utc_offset_min: c.sleep_timezone_offset_minutes ?? offsetMinutes(env.timeZone, start),
      kind: 'circadian_bedtime',
      start_at: start,
      end_at: polarUtc(c.period_end_time),
      entry: 'device',
      result_type: resultType(c.result_type),
      validity: c.validity ?? null,
      ...ALERTNESS_NONE,
      quality: c.quality ?? null,
      preferred_sleep_start_at: utcOrNull(c.preferred_sleep_period_start_time),
      preferred_sleep_end_at: utcOrNull(c.preferred_sleep_period_end_time),
      sleep_gate_start_at: utcOrNull(c.sleep_gate_start_time),
      sleep_gate_end_at: utcOrNull(c.sleep_gate_end_time),
    });
  }
  return b;
}

const TemperaturePeriod = z.looseObject({
  source_device_id: z.string().optional(),
  measurement_type: z.string().optional(),
  start_time: z.string(),
  end_time: z.string().optional(),
  samples: z
    .array(z.object({ temperature_celsius: z.number(), recording_time_delta_milliseconds: z.number() }))
    .optional(),
});

/** Core temperature is the body's; skin temperature the skin's; an unknown type says neither, so is not kept. */
const TEMPERATURE_COLUMN: Record<string, 'temperature_c' | 'skin_temperature_c'> = {
  TM_CORE_TEMPERATURE: 'temperature_c',
  TM_SKIN_TEMPERATURE: 'skin_temperature_c',
};

export async function bodyTemperature(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const body = await range(env, token, w, '/v3/users/biosensing/bodytemperature', 'body temperature');
  for (const p of z.array(TemperaturePeriod).parse(body ?? [])) {
    const column = TEMPERATURE_COLUMN[p.measurement_type ?? ''];
    if (!column) continue;
    const start = polarUtc(p.start_time).getTime();
    const device = p.source_device_id ?? null;
    let last: Date | null = null;
    for (const s of p.samples ?? []) {
      const at = new Date(start + s.recording_time_delta_milliseconds);
      last = at;
      const row: BodyRow = {
        device,
        utc_offset_min: offsetMinutes(env.timeZone, at),
        measured_at: at,
        entry: 'device',
      };
      row[column] = s.temperature_celsius;
      b.body.push(row);
    }
    if (device && last) b.devices.push(dataDevice(device, null, p.end_time ? polarUtc(p.end_time) : last));
  }
  return b;
}

const SkinTemperature = z.looseObject({
  sleep_date: z.string(),
  sleep_time_skin_temperature_celsius: z.number().optional(),
  deviation_from_baseline_celsius: z.number().optional(),
});

/**
 * The night's skin temperature into the daily columns Fitbit's fills: Polar gives the deviation
 * from the patient's baseline, so the baseline is the temperature less the deviation (to 1/1000 °C,
 * past the sensors' precision, so float noise does not show).
 */
export async function skinTemperature(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const body = await range(env, token, w, '/v3/users/biosensing/skintemperature', 'skin temperature');
  for (const n of z.array(SkinTemperature).parse(body ?? [])) {
    const t = n.sleep_time_skin_temperature_celsius;
    if (t === undefined) continue;
    const deviation = n.deviation_from_baseline_celsius;
    b.dailyVitals.push({
      device: null,
      local_date: n.sleep_date,
      entry: 'device',
      skin_temperature_c: t,
      ...(deviation !== undefined && { skin_temperature_baseline_c: Math.round((t - deviation) * 1000) / 1000 }),
    });
  }
  return b;
}

const Test = z.looseObject({
  source_device_id: z.string().optional(),
  test_time: z.number(),
  time_zone_offset: z.number().optional(),
  average_heart_rate_bpm: z.number().optional(),
});
const Spo2Test = Test.extend({ test_status: z.string().optional(), blood_oxygen_percent: z.number().optional() });

/**
 * Wrist ECG tests: the test's average heart rate in `heart_rhythm`, and the whole result (signal,
 * quality, HRV, pulse transit times) in the raw archive once. Polar classifies no rhythm, so no AFib columns.
 */
export async function ecgTests(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const body = await range(env, token, w, '/v3/users/biosensing/ecg', 'wrist ECG');
  const tests = z.array(z.unknown()).parse(body ?? []);
  for (const raw of tests) {
    const t = Test.parse(raw);
    const at = new Date(t.test_time * 1000);
    const device = t.source_device_id ?? null;
    const row: HeartRhythmRow = {
      device,
      utc_offset_min: t.time_zone_offset ?? offsetMinutes(env.timeZone, at),
      method: 'ecg',
      recorded_at: at,
      entry: 'device',
      ...(t.average_heart_rate_bpm !== undefined && { heart_rate_bpm: t.average_heart_rate_bpm }),
    };
    if (env.rawArchive && !(await archived(env, at))) {
      row.signal_archive_key = await env.rawArchive.put(
        `polar-ecg/${t.test_time}.json`,
        Buffer.from(JSON.stringify(raw))
      );
    }
    b.heartRhythm.push(row);
    if (device) b.devices.push(dataDevice(device, null, at));
  }
  return b;
}

const archived = async (env: PullEnv, at: Date) =>
  (await env
    .db('heart_rhythm')
    .where({ connection_id: env.connectionId, method: 'ecg', recorded_at: at })
    .whereNotNull('signal_archive_key')
    .first('recorded_at')) !== undefined;

/** Only a passed test has a reading: an inconclusive one (too low quality, missing samples) is not kept. */
export async function spo2Tests(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const body = await range(env, token, w, '/v3/users/biosensing/spo2', 'SpO2 test');
  for (const t of z.array(Spo2Test).parse(body ?? [])) {
    if (t.test_status !== 'SPO2_TEST_PASSED' || t.blood_oxygen_percent === undefined) continue;
    const at = new Date(t.test_time * 1000);
    const device = t.source_device_id ?? null;
    b.spo2.push({
      device,
      utc_offset_min: t.time_zone_offset ?? offsetMinutes(env.timeZone, at),
      measured_at: at,
      spo2_pct: t.blood_oxygen_percent,
      entry: 'device',
    });
    if (device) b.devices.push(dataDevice(device, null, at));
  }
  return b;
}
