import type { z } from 'zod';
import type { FieldProblem } from '../errors.ts';
import { listedPriorities, type Priorities } from '../source-priority/schemas.ts';
import { MEASUREMENTS, type WearableMeasurement } from '../wearables/measurements.ts';
import { DEVICE_SETTING_KEYS, DeviceSettingsPatch } from './device-settings-schema.ts';
import { jsonPath } from './problems.ts';
import { hourMinuteOf, type AbsoluteSchedule, type WeeklySchedule } from './schedules.ts';
import { FileParts, fileSurveySchema, isoDateOf, Relative, SURVEY_KEYS } from './study-json-schema.ts';

/**
 * Reads a Beiwe study settings file (spec §7.1; beiwe-backend `import_study_settings_file`) into a
 * plan, checking everything before anything is written: the answer is the plan, or every problem
 * found, each at its JSON path. What Vigil does not understand (keys of the file, of a survey, of
 * the device settings; surveys of other types) is kept as given, so the study's export gives it
 * back.
 */

/** Keys Beiwe drops on import (`NEVER_EXPORT_THESE`, and `study` in the device settings). */
const IGNORED_KEYS = new Set(['_id', 'id', 'pk', 'created_on', 'last_updated', 'object_id', 'deleted']);

export type PlannedSurvey = {
  /** tracking_survey or audio_survey, checked; any other type is kept as given. */
  surveyType: string;
  name: string;
  /** Checked for tracking and audio surveys; as given (any JSON) for other types. */
  content: unknown[];
  settings: Record<string, unknown>;
  /** The survey's keys Vigil does not read. */
  extra: Record<string, unknown>;
  weekly: WeeklySchedule[];
  absolute: AbsoluteSchedule[];
  relative: { intervention: string; daysAfter: number; hour: number; minute: number }[];
};

export type ImportPlan = {
  deviceSettings: DeviceSettingsPatch | null;
  /** Device settings Vigil does not know, when the device settings are imported. */
  deviceSettingsExtra: Record<string, unknown>;
  /** Names to merge into the study's interventions, in order: always, as Beiwe does. */
  interventions: string[];
  surveys: PlannedSurvey[];
  timeZone: string | null;
  /** The wearable measurements the study is to collect, in the catalogue's order, when that part is imported. */
  measurements: WearableMeasurement[] | null;
  /** The study's source priorities, every list it is to keep (`listedPriorities`), when that part is imported. */
  sourcePriorities: Priorities | null;
  /** The file's keys Vigil does not read. */
  extra: Record<string, unknown>;
};

export type ImportParts = {
  deviceSettings: boolean;
  surveys: boolean;
  timezone: boolean;
  measurements: boolean;
  sourcePriorities: boolean;
};

type Issue = { path: PropertyKey[]; message: string };

export function planImport(
  raw: unknown,
  existingInterventions: readonly string[],
  parts: ImportParts
): { plan: ImportPlan } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const report = (prefix: PropertyKey[], issues: readonly Issue[]) => {
    for (const i of issues) problems.push({ field: jsonPath([...prefix, ...i.path]), message: i.message });
  };
  /** Each part is checked on its own, so a problem in one does not hide those in the others. */
  const part = <S extends z.ZodType>(key: keyof typeof FileParts, schema: S): z.infer<S> | undefined => {
    if (!isObject(raw) || raw[key] === undefined) return undefined;
    const parsed = schema.safeParse(raw[key]);
    if (parsed.success) return parsed.data;
    report([key], parsed.error.issues.map(unrecognisedKeys).flat());
    return undefined;
  };
  if (!isObject(raw)) {
    return {
      problems: [
        {
          field: '$',
          message: 'a study file is a JSON object with surveys, device_settings, interventions and study_time_zone',
        },
      ],
    };
  }
  const file = {
    surveys: part('surveys', FileParts.surveys),
    device_settings: part('device_settings', FileParts.device_settings),
    interventions: part('interventions', FileParts.interventions),
    study_time_zone: part('study_time_zone', FileParts.study_time_zone),
    wearable_measurements: part('wearable_measurements', FileParts.wearable_measurements),
    wearable_source_priorities: part('wearable_source_priorities', FileParts.wearable_source_priorities),
  };
  const plan: ImportPlan = {
    deviceSettings: null,
    deviceSettingsExtra: {},
    interventions: [...new Set(file.interventions ?? [])],
    surveys: [],
    timeZone: null,
    measurements: null,
    sourcePriorities: null,
    extra: Object.fromEntries(Object.entries(raw).filter(([k]) => !(k in FileParts))),
  };

  if (parts.deviceSettings && file.device_settings) {
    const { known, extra } = split(readDeviceSettings(file.device_settings), DEVICE_SETTING_KEYS);
    plan.deviceSettingsExtra = extra;
    const parsed = DeviceSettingsPatch.safeParse(known);
    if (parsed.success) plan.deviceSettings = parsed.data;
    else report(['device_settings'], parsed.error.issues.map(unrecognisedKeys).flat());
  }

  if (parts.timezone) plan.timeZone = file.study_time_zone ?? null;
  const chosen = file.wearable_measurements;
  if (parts.measurements && chosen) plan.measurements = MEASUREMENTS.filter((m) => chosen.includes(m));
  const ranked = file.wearable_source_priorities;
  if (parts.sourcePriorities && ranked) plan.sourcePriorities = listedPriorities(ranked);

  if (parts.surveys) {
    const known = new Set([...existingInterventions, ...plan.interventions]);
    // A broken list is reported once, not again at every name it should have held.
    const listBroken = raw.interventions !== undefined && file.interventions === undefined;
    // Very old exports name interventions by database key; Beiwe then makes up "Intervention <n>".
    const legacyNames = new Map<number, string>();
    (file.surveys ?? []).forEach((item, index) => {
      const at = ['surveys', index];
      if (!isObject(item)) {
        problems.push({
          field: jsonPath(at),
          message: 'must be a survey: {content, survey_type, settings, name, timings, …}',
        });
        return;
      }
      const { known: read, extra } = split(withoutIgnoredKeys(item), SURVEY_KEYS);
      const parsed = fileSurveySchema(read).safeParse(read);
      if (!parsed.success) report(at, parsed.error.issues.map(unrecognisedKeys).flat());
      // Intervention names are checked even when another part of the survey is broken.
      const timings = Relative.optional().safeParse(item.relative_timings);
      const relative = (timings.data ?? []).flatMap(([ref, daysAfter, seconds], j) => {
        let intervention: string;
        if (typeof ref === 'number') {
          if (!legacyNames.has(ref)) legacyNames.set(ref, `Intervention ${legacyNames.size}`);
          intervention = legacyNames.get(ref)!;
        } else if (known.has(ref.trim())) {
          intervention = ref.trim();
        } else {
          if (!listBroken) {
            problems.push({
              field: jsonPath([...at, 'relative_timings', j, 0]),
              message: `no intervention named ${JSON.stringify(ref)}: list it in $.interventions`,
            });
          }
          return [];
        }
        return [{ intervention, daysAfter, ...hourMinuteOf(seconds) }];
      });
      if (!parsed.success) return;
      const s = parsed.data;
      plan.surveys.push({
        surveyType: s.survey_type,
        name: s.name ?? '',
        content: s.content as unknown[],
        settings: s.settings as Record<string, unknown>,
        extra,
        weekly: (s.timings ?? []).flatMap((day, d) => day.map((seconds) => ({ day: d, ...hourMinuteOf(seconds) }))),
        absolute: (s.absolute_timings ?? []).map(([y, m, d, seconds]) => ({
          date: isoDateOf(y, m, d),
          ...hourMinuteOf(seconds),
        })),
        relative,
      });
    });
    for (const name of legacyNames.values()) if (!plan.interventions.includes(name)) plan.interventions.push(name);
  }
  return problems.length > 0 ? { problems } : { plan };
}

/** Beiwe's own keys are dropped; `consent_sections` may be a JSON string in older files. */
function readDeviceSettings(raw: Record<string, unknown>): Record<string, unknown> {
  const settings = Object.fromEntries(Object.entries(raw).filter(([k]) => !IGNORED_KEYS.has(k) && k !== 'study'));
  if (typeof settings.consent_sections === 'string') {
    try {
      settings.consent_sections = JSON.parse(settings.consent_sections) as unknown;
    } catch {
      // Left as the string: the schema then reports it as not an object.
    }
  }
  return settings;
}

/** The keys Vigil reads, and the rest. */
function split(
  item: Record<string, unknown>,
  keys: readonly string[]
): { known: Record<string, unknown>; extra: Record<string, unknown> } {
  const entries = Object.entries(item);
  return {
    known: Object.fromEntries(entries.filter(([k]) => keys.includes(k))),
    extra: Object.fromEntries(entries.filter(([k]) => !keys.includes(k))),
  };
}

function withoutIgnoredKeys(item: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(item).filter(([k]) => !IGNORED_KEYS.has(k)));
  // Beiwe replaces a null content (an old serialisation bug) with an empty list.
  if (kept.content === null) kept.content = [];
  return kept;
}

/** An unknown key is a problem at that key, not at the object holding it. */
function unrecognisedKeys(issue: z.core.$ZodIssue): Issue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'is not a key Beiwe knows here' }));
  }
  return [{ path: issue.path, message: issue.message }];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
