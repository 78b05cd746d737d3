import { z } from 'zod';
import type { BODY_COLUMNS, Batch, BodyRow, HeartRhythmRow } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { MEASUREMENTS, type WearableMeasurement } from '../../wearables/measurements.ts';
import { offsetMinutes } from '../../wearables/time.ts';
import { entryOf, fromEpoch, real } from './shared.ts';

/**
 * Getmeas groups (wearable-apis.md §4.4.2, `measure-getmeas`) as rows: body composition, blood
 * pressure and temperatures in `body_measurements`, pulse in `heart_rate` (spot), SpO2 in `spo2`,
 * the ECG intervals and AFib results in `heart_rhythm`, each with the group's `attrib` as `entry`.
 * Types whose unit the document leaves unstated (155, 167, 173–175, 196, 226, 227, 229) are not
 * asked for: a column must name its unit.
 */

const BODY_TYPES: Readonly<Record<number, (typeof BODY_COLUMNS)[number]>> = {
  1: 'weight_kg',
  4: 'height_m',
  5: 'fat_free_mass_kg',
  6: 'fat_ratio_pct',
  8: 'fat_mass_kg',
  9: 'diastolic_mmhg',
  10: 'systolic_mmhg',
  12: 'temperature_c',
  71: 'temperature_c',
  73: 'skin_temperature_c',
  76: 'muscle_mass_kg',
  77: 'hydration_kg',
  88: 'bone_mass_kg',
  91: 'pulse_wave_velocity_m_s',
  123: 'vo2max_ml_min_kg',
  168: 'extracellular_water_kg',
  169: 'intracellular_water_kg',
  170: 'visceral_fat_index',
};
const PULSE = 11;
const SPO2 = 54;
const AFIB_ECG = 130;
const AFIB_PPG = 139;
const INTERVALS: Readonly<Record<number, 'qrs_ms' | 'pr_ms' | 'qt_ms' | 'qtc_ms'>> = {
  135: 'qrs_ms',
  136: 'pr_ms',
  137: 'qt_ms',
  138: 'qtc_ms',
};

/** What each asked type measures: getmeas is one call for all, so only the study's types are asked for. */
const MEASURES: Partial<Readonly<Record<WearableMeasurement, readonly number[]>>> = {
  body: [1, 4, 5, 6, 8, 76, 77, 88, 91, 168, 169, 170],
  blood_pressure: [9, 10],
  temperature: [12, 71, 73],
  vo2max: [123],
  heart_rate: [PULSE],
  spo2: [SPO2],
  ecg: [AFIB_ECG, ...Object.keys(INTERVALS).map(Number)],
  // The watch's optical (PPG) AFib screening: irregular rhythm, not an ECG.
  irn: [AFIB_PPG],
};

/** The `meastypes` of the collected measurements, ascending. */
export const measTypes = (collects: (m: WearableMeasurement) => boolean) =>
  MEASUREMENTS.filter(collects)
    .flatMap((m) => MEASURES[m] ?? [])
    .sort((a, b) => a - b)
    .join(',');

/** Type 130 and the heart list's `afib` (0–2 there): the codes' documented meanings. */
export const AFIB_CLASSES: Readonly<Record<number, string>> = {
  0: 'negative',
  1: 'positive',
  2: 'inconclusive',
  3: 'no_signal',
  4: 'other',
  5: 'noise',
  6: 'low_heart_rate',
  7: 'high_heart_rate',
  8: 'inconclusive_us',
  9: 'negative_normal_hr',
  10: 'negative_high_hr',
  11: 'positive_normal_hr',
  12: 'positive_high_hr',
  13: 'no_diagnosis',
};

/**
 * The document gives no unit for the ECG intervals (types 135–138). Values are written in
 * milliseconds: a real value under 10 can only be seconds (a QT of 0.4 s, never 0.4 ms) and is
 * scaled; anything else is taken as milliseconds already.
 */
const intervalMs = (v: number) => (v < 10 ? Number((v * 1000).toPrecision(12)) : v);

export const Measures = z.object({
  timezone: z.string().optional(),
  measuregrps: z.array(
    z.object({
      date: z.number(),
      attrib: z.number().nullish(),
      model: z.string().nullish(),
      deviceid: z.string().nullish(),
      measures: z.array(z.object({ value: z.number(), type: z.number(), unit: z.number() })),
    })
  ),
});

/** One page of Getmeas as rows; `fallbackZone` where the body names no zone. */
export function measureRows(body: z.infer<typeof Measures>, fallbackZone: string): Batch {
  const b = emptyBatch();
  const zone = body.timezone ?? fallbackZone;
  for (const g of body.measuregrps) {
    const at = fromEpoch(g.date);
    const entry = entryOf(g.attrib);
    const stamp = {
      device: g.model ?? g.deviceid ?? null,
      utc_offset_min: offsetMinutes(zone, at),
      ...(entry && { entry }),
    };
    const row: BodyRow = { ...stamp, measured_at: at };
    let hasBody = false;
    let ecg: HeartRhythmRow | undefined;
    const ecgRow = () => (ecg ??= { ...stamp, method: 'ecg', recorded_at: at });
    for (const m of g.measures) {
      const value = real(m);
      const column = BODY_TYPES[m.type];
      const interval = INTERVALS[m.type];
      if (column) {
        row[column] = value;
        hasBody = true;
      } else if (m.type === PULSE) b.heartRate.push({ ...stamp, context: 'spot', measured_at: at, bpm: value });
      else if (m.type === SPO2) b.spo2.push({ ...stamp, measured_at: at, spo2_pct: value });
      else if (m.type === AFIB_ECG)
        Object.assign(ecgRow(), { afib_code: value, afib_class: AFIB_CLASSES[value] ?? null });
      else if (interval) ecgRow()[interval] = intervalMs(value);
      // PPG results share no documented code table with the ECG's: the code is kept as given.
      else if (m.type === AFIB_PPG) b.heartRhythm.push({ ...stamp, method: 'ppg', recorded_at: at, afib_code: value });
    }
    if (hasBody) b.body.push(row);
    if (ecg) b.heartRhythm.push(ecg);
  }
  return b;
}
