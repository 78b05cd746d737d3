import type { Knex } from 'knex';
import type { Study } from '../studies/store.ts';
import { listedPriorities, type Priorities } from '../source-priority/schemas.ts';
import { findSourcePriorities } from '../source-priority/store.ts';
import { findStudyMeasurements } from '../study-measurements/store.ts';
import type { WearableMeasurement } from '../wearables/measurements.ts';
import { deviceSettingsExtra, studyExtra, surveyExtras, type BeiweExtra } from './beiwe-extra-store.ts';
import type { DeviceSettings } from './device-settings-schema.ts';
import { currentDeviceSettings } from './device-settings-store.ts';
import type { Intervention } from './intervention-store.ts';
import { listInterventions } from './intervention-store.ts';
import { secondsOfDay } from './schedules.ts';
import type { Survey } from './survey-store.ts';
import { listSurveys } from './survey-store.ts';

/**
 * Beiwe's study settings file (spec §7.1; beiwe-backend `copy_study_helpers.format_study`). A
 * survey carries exactly Beiwe's keys and the device settings exactly Beiwe's fields, plus only
 * what an imported file held that Vigil does not understand (kept so a round trip loses nothing;
 * it came from a Beiwe file, so it goes back to one).
 */
export type BeiweSurveyJson = Record<string, unknown> & {
  content: unknown[];
  survey_type: string;
  settings: Record<string, unknown>;
  name: string;
  /** 7 lists of seconds into the day, index 0 = Sunday. */
  timings: number[][];
  /** [year, month, day, seconds into the day], study time zone. */
  absolute_timings: [number, number, number, number][];
  /** [intervention name, days after, seconds into the day]. */
  relative_timings: [string, number, number][];
};

export type BeiweStudyJson = Record<string, unknown> & {
  surveys: BeiweSurveyJson[];
  device_settings: DeviceSettings & Record<string, unknown>;
  interventions: string[];
  study_time_zone: string;
  /** Vigil's own key, which Beiwe's import ignores (`study-json-schema.ts`). */
  wearable_measurements: WearableMeasurement[];
  /** Vigil's own too: the measurements the study ranks sources for, as `PUT …/source-priority` takes them. */
  wearable_source_priorities: Priorities;
};

export function toBeiweStudyJson(parts: {
  deviceSettings: DeviceSettings;
  surveys: readonly Survey[];
  interventions: readonly Intervention[];
  timeZone: string;
  measurements: readonly WearableMeasurement[];
  sourcePriorities: Priorities;
  extra?: { study: BeiweExtra; deviceSettings: BeiweExtra; surveys: ReadonlyMap<number, BeiweExtra> };
}): BeiweStudyJson {
  const names = new Map(parts.interventions.map((i) => [i.id, i.name]));
  return {
    surveys: parts.surveys.map((s) => ({ ...toBeiweSurveyJson(s, names), ...parts.extra?.surveys.get(s.id) })),
    device_settings: { ...parts.deviceSettings, ...parts.extra?.deviceSettings },
    interventions: parts.interventions.map((i) => i.name),
    study_time_zone: parts.timeZone,
    ...parts.extra?.study,
    wearable_measurements: [...parts.measurements],
    wearable_source_priorities: listedPriorities(parts.sourcePriorities),
  };
}

function toBeiweSurveyJson(survey: Survey, interventionNames: ReadonlyMap<number, string>): BeiweSurveyJson {
  const { weekly, absolute, relative } = survey.schedules;
  const timings: number[][] = [[], [], [], [], [], [], []];
  for (const w of weekly) timings[w.day]!.push(secondsOfDay(w));
  return {
    content: survey.content,
    survey_type: survey.surveyType,
    settings: survey.settings,
    name: survey.name,
    timings: timings.map((day) => day.sort((a, b) => a - b)),
    absolute_timings: absolute.map((a) => {
      const [year, month, day] = a.date.split('-').map(Number) as [number, number, number];
      return [year, month, day, secondsOfDay(a)];
    }),
    // An intervention in use cannot be deleted, so every relative schedule has its name.
    relative_timings: relative.flatMap((r): [string, number, number][] => {
      const name = interventionNames.get(r.interventionId);
      return name === undefined ? [] : [[name, r.daysAfter, secondsOfDay(r)]];
    }),
  };
}

/**
 * The study's live surveys, current device settings and interventions, as Beiwe exports them, and
 * the wearable measurements it collects and the sources it prefers for them.
 */
export async function exportStudy(db: Knex, study: Study): Promise<BeiweStudyJson> {
  const [
    deviceSettings,
    { items: surveys },
    interventions,
    studyKept,
    settingsKept,
    surveysKept,
    measurements,
    sourcePriorities,
  ] = await Promise.all([
    currentDeviceSettings(db, study.id),
    listSurveys(db, study.id, { deleted: 'exclude' }),
    listInterventions(db, study.id),
    studyExtra(db, study.id),
    deviceSettingsExtra(db, study.id),
    surveyExtras(db, study.id),
    findStudyMeasurements(db, study.id),
    findSourcePriorities(db, study.id),
  ]);
  return toBeiweStudyJson({
    deviceSettings,
    surveys,
    interventions,
    timeZone: study.timezone,
    measurements: measurements.measurements,
    sourcePriorities,
    extra: { study: studyKept, deviceSettings: settingsKept, surveys: surveysKept },
  });
}

/**
 * What Beiwe's `/get-study-settings/v1` answers: the study file without Vigil's own keys, so that
 * research tools that walk its keys (mano's `fetch_study_settings`) see Beiwe's.
 */
export async function beiweStudySettings(db: Knex, study: Study): Promise<Record<string, unknown>> {
  const file = await exportStudy(db, study);
  return Object.fromEntries(Object.entries(file).filter(([key]) => !VIGIL_KEYS.has(key)));
}
const VIGIL_KEYS: ReadonlySet<string> = new Set(['wearable_measurements', 'wearable_source_priorities']);

/** Beiwe's download name: the study name with spaces as underscores. */
export function exportFileName(studyName: string): string {
  const safe = studyName.replace(/ /g, '_').replace(/[^\p{L}\p{N}._-]/gu, '');
  return `${safe || 'study'}_surveys_and_settings.json`;
}
