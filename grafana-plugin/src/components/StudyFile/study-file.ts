import type { DeviceSettings, ImportParts, PriorityEntry } from '../../api/study-config.ts';
import { SETTING_FIELDS, CONSENT_SECTIONS } from '../DeviceSettingsForm/device-settings-fields.ts';
import { describePriority, priorityLabel } from '../SourcePriority/source-priority-names.ts';

/**
 * Beiwe's study settings file in the browser: what importing one would change in a study, and
 * where in it a problem the ingest found is, in words.
 */

/** Beiwe's download name (the ingest's `exportFileName`): the study name with spaces as underscores. */
export function studyFileName(studyName: string): string {
  const safe = studyName.replace(/ /g, '_').replace(/[^\p{L}\p{N}._-]/gu, '');
  return `${safe || 'study'}_surveys_and_settings.json`;
}

export type SettingChange = { key: string; label: string; before: string; after: string };
export type PlannedSurvey = { name: string; kind: string };

export type ImportPreview = {
  settingChanges: SettingChange[];
  surveys: PlannedSurvey[];
  /** Merged whatever the parts chosen, as Beiwe does. */
  newInterventions: string[];
  timezone: { before: string; after: string } | null;
  /** The wearable measurements the study would start and stop collecting, by label. */
  measurements: { added: string[]; removed: string[] } | null;
  /** Each measurement whose source list would change: the file's lists replace all of the study's. */
  sourcePriorities: Array<{ measurement: string; label: string; before: string; after: string }>;
};

export type Current = {
  settings: DeviceSettings;
  interventions: string[];
  timezone: string;
  /** The wearable measurements the study collects, and every measurement's label by name. */
  measurements: { chosen: string[]; labels: ReadonlyMap<string, string> };
  /** The study's source lists, every measurement it ranks (an empty list: the default order). */
  sourcePriorities: Record<string, PriorityEntry[]>;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Keys Beiwe writes into its exports and drops on import. */
const IGNORED_KEYS = new Set(['_id', 'id', 'pk', 'created_on', 'last_updated', 'object_id', 'deleted', 'study']);
const labels = new Map<string, string>([
  ...SETTING_FIELDS.map((f) => [f.key, f.label] as const),
  ['consent_sections', 'Consent sections'],
]);

const show = (v: unknown): string => {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'string') return v.length > 60 ? `“${v.slice(0, 59)}…”` : `“${v}”`;
  if (typeof v === 'number') return String(v);
  return isObject(v) ? 'changed texts' : 'nothing';
};

/** The file's list as far as it reads as one; the ingest names what is wrong with the rest. */
const entriesOf = (list: unknown): PriorityEntry[] =>
  (Array.isArray(list) ? list : []).flatMap((e) =>
    isObject(e) && typeof e.source === 'string'
      ? [typeof e.device === 'string' ? { source: e.source, device: e.device } : { source: e.source }]
      : []
  );

/** What `file` would change, or why it is not a study file at all. */
export function previewImport(
  file: unknown,
  current: Current,
  parts: ImportParts
): ImportPreview | { notAFile: string } {
  if (!isObject(file)) {
    return {
      notAFile: 'A Beiwe study file is a JSON object with surveys, device_settings, interventions and study_time_zone.',
    };
  }
  const preview: ImportPreview = {
    settingChanges: [],
    surveys: [],
    newInterventions: [],
    timezone: null,
    measurements: null,
    sourcePriorities: [],
  };
  if (parts.deviceSettings && isObject(file.device_settings)) {
    for (const [key, raw] of Object.entries(file.device_settings)) {
      if (IGNORED_KEYS.has(key)) continue;
      let value: unknown = raw;
      if (key === 'consent_sections' && typeof raw === 'string') {
        try {
          value = JSON.parse(raw) as unknown;
        } catch {
          // Left as the string: the ingest names the problem when the file is applied.
        }
      }
      const before = current.settings[key];
      if (JSON.stringify(value) === JSON.stringify(before)) continue;
      preview.settingChanges.push({ key, label: labels.get(key) ?? key, before: show(before), after: show(value) });
    }
  }
  if (parts.surveys) {
    const surveys = Array.isArray(file.surveys) ? file.surveys : [];
    for (const s of surveys) {
      const survey = isObject(s) ? s : {};
      const questions = Array.isArray(survey.content) ? survey.content.length : 0;
      preview.surveys.push({
        name: typeof survey.name === 'string' && survey.name !== '' ? survey.name : '(unnamed)',
        kind:
          survey.survey_type === 'audio_survey'
            ? 'audio recording'
            : survey.survey_type === 'tracking_survey'
              ? `${questions} question${questions === 1 ? '' : 's'}`
              : // Image surveys and types of other Beiwe versions: the ingest keeps them for the export only.
                `${String(survey.survey_type)}: kept in the study file, phones do not get it`,
      });
    }
  }
  const names = Array.isArray(file.interventions) ? file.interventions : [];
  preview.newInterventions = [
    ...new Set(names.filter((n): n is string => typeof n === 'string').map((n) => n.trim())),
  ].filter((n) => n !== '' && !current.interventions.includes(n));
  if (parts.timezone && typeof file.study_time_zone === 'string' && file.study_time_zone !== current.timezone) {
    preview.timezone = { before: current.timezone, after: file.study_time_zone };
  }
  const listed = file.wearable_measurements;
  if (parts.measurements && Array.isArray(listed)) {
    const after = new Set(listed.filter((m): m is string => typeof m === 'string'));
    const before = new Set(current.measurements.chosen);
    const label = (m: string) => current.measurements.labels.get(m) ?? m;
    const added = [...after].filter((m) => !before.has(m)).map(label);
    const removed = [...before].filter((m) => !after.has(m)).map(label);
    if (added.length + removed.length > 0) preview.measurements = { added, removed };
  }
  const ranked = file.wearable_source_priorities;
  if (parts.sourcePriorities && isObject(ranked)) {
    // A measurement the file leaves out goes back to the default order, as a PUT of the lists does.
    for (const measurement of new Set([...Object.keys(current.sourcePriorities), ...Object.keys(ranked)])) {
      const before = describePriority(current.sourcePriorities[measurement] ?? []);
      const after = describePriority(entriesOf(ranked[measurement]));
      if (before !== after) {
        preview.sourcePriorities.push({ measurement, label: priorityLabel(measurement), before, after });
      }
    }
  }
  return preview;
}

const SURVEY_PARTS: Record<string, string> = {
  content: 'questions',
  display_if: 'skip logic',
  question_text: 'question text',
  question_type: 'question type',
  question_id: 'question id',
  answers: 'answers',
  text_field_type: 'answer kind',
  settings: 'settings',
  name: 'name',
  survey_type: 'survey type',
  timings: 'weekly times',
  absolute_timings: 'dates',
  relative_timings: 'relative times',
};

/** `$.surveys[0].content[2].display_if.and[0]["<"]` as "Survey 1 “Mood” › question 3 › skip logic". */
export function describeFilePath(path: string, file: unknown): string {
  const tokens: Array<string | number> = [];
  for (const m of path.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    tokens.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  }
  const [head, ...rest] = tokens;
  if (head === undefined) return 'The file';
  if (head === 'device_settings') {
    const [key, section, part] = rest;
    if (key === 'consent_sections' && typeof section === 'string') {
      const label = CONSENT_SECTIONS.find((c) => c.key === section)?.label ?? section;
      return `Device settings › consent section ${label}${part === undefined ? '' : ` › ${part}`}`;
    }
    return key === undefined ? 'Device settings' : `Device settings › ${labels.get(String(key)) ?? String(key)}`;
  }
  if (head === 'study_time_zone') return 'Time zone';
  if (head === 'wearable_measurements') {
    return typeof rest[0] === 'number' ? `Wearable measurement ${rest[0] + 1}` : 'Wearable measurements';
  }
  if (head === 'wearable_source_priorities') {
    const [measurement, entry, field] = rest;
    const words = ['Source priority'];
    if (measurement !== undefined) words.push(priorityLabel(String(measurement)));
    if (typeof entry === 'number') words.push(`entry ${entry + 1}`);
    if (field !== undefined) words.push(String(field));
    return words.join(' › ');
  }
  if (head === 'interventions') return typeof rest[0] === 'number' ? `Intervention ${rest[0] + 1}` : 'Interventions';
  if (head === 'surveys' && typeof rest[0] === 'number') {
    const index = rest[0];
    const surveys = isObject(file) && Array.isArray(file.surveys) ? file.surveys : [];
    const found: unknown = surveys[index];
    const name = isObject(found) && typeof found.name === 'string' && found.name !== '' ? ` “${found.name}”` : '';
    const words = [`Survey ${index + 1}${name}`];
    for (let i = 1; i < rest.length; i++) {
      const token = rest[i]!;
      if (token === 'content' && typeof rest[i + 1] === 'number') {
        words.push(`question ${(rest[i + 1] as number) + 1}`);
        i++;
      } else if (token === 'answers' && typeof rest[i + 1] === 'number') {
        words.push(`answer ${(rest[i + 1] as number) + 1}`);
        i++;
      } else if (typeof token === 'number') {
        words.push(`item ${token + 1}`);
      } else {
        words.push(SURVEY_PARTS[token] ?? token);
        // The ingest's message says what is wrong inside the logic; the path into it says no more.
        if (token === 'display_if') break;
      }
    }
    return words.join(' › ');
  }
  return String(head);
}

/** A chosen file's text; FileReader rather than Blob.text(), which older browsers (and jsdom) lack. */
export function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsText(blob);
  });
}
