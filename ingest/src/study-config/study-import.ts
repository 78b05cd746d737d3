import type { Knex } from 'knex';
import type { AuditEntry } from '../audit/store.ts';
import { recordAudit } from '../audit/store.ts';
import { InvalidInputError } from '../errors.ts';
import type { Study } from '../studies/store.ts';
import { updateStudy } from '../studies/store.ts';
import { deviceSettingsExtra, setStudyExtra, setSurveyExtra, studyExtra } from './beiwe-extra-store.ts';
import { mergeDeviceSettings } from './device-settings-schema.ts';
import { currentDeviceSettingsVersion, insertDeviceSettingsVersion } from './device-settings-store.ts';
import { insertIntervention, listInterventions } from './intervention-store.ts';
import type { ImportParts } from './study-json-import.ts';
import { planImport } from './study-json-import.ts';
import { SURVEY_TYPES } from './survey-content.ts';
import { insertSurvey } from './survey-store.ts';
import { jsonPath } from './problems.ts';
import { listedPriorities, type Priorities } from '../source-priority/schemas.ts';
import { findSourcePriorities, saveSourcePriorities } from '../source-priority/store.ts';
import { findStudyMeasurements, saveStudyMeasurements } from '../study-measurements/store.ts';
import type { WearableMeasurement } from '../wearables/measurements.ts';
import type { ImportPlan } from './study-json-import.ts';

export type ImportResult = {
  deviceSettingsVersion: number | null;
  surveys: { id: number; objectId: string; surveyType: string; name: string }[];
  interventionsAdded: string[];
  timezone: { before: string; after: string } | null;
  /** The wearable measurements the study collects, when the import changed them. */
  measurements: { before: WearableMeasurement[]; after: WearableMeasurement[] } | null;
  /** The study's source priorities, the measurements that have a list, when the import changed them. */
  sourcePriorities: { before: Priorities; after: Priorities } | null;
  /** What the file holds that phones will not get: kept so the study's export gives it back. */
  notServed: { field: string; message: string }[];
};

type Actor = Pick<AuditEntry, 'caller' | 'requestId'>;

/**
 * Imports a Beiwe study file into `study` as Beiwe does: named device settings overwrite the
 * current ones, surveys are added with new ids, interventions are always merged by name; and, when
 * asked, the file's time zone becomes the study's (its absolute times are wall-clock times in it),
 * and its wearable measurements and source priorities the study's.
 * What Vigil does not understand is kept for the export (the file's, each survey's and the device
 * settings' unknown keys; surveys of types phones are not sent). The whole file is checked first
 * and nothing is written unless all of it is good. The caller's transaction holds the study's
 * lock; every change is audited in it.
 */
export async function importStudyFile(
  trx: Knex,
  study: Study,
  raw: unknown,
  parts: ImportParts,
  actor: Actor,
  now: Date
): Promise<ImportResult> {
  const existing = await listInterventions(trx, study.id);
  const planned = planImport(
    raw,
    existing.map((i) => i.name),
    parts
  );
  if ('problems' in planned) {
    throw new InvalidInputError(
      `the study file has ${planned.problems.length} problem${planned.problems.length === 1 ? '' : 's'}; nothing was imported`,
      planned.problems
    );
  }
  const { plan } = planned;
  const audit = (action: string, target: AuditEntry['target'], before: unknown, after: unknown) =>
    recordAudit(trx, now, { ...actor, action, target, before, after });

  const idByName = new Map(existing.map((i) => [i.name, i.id]));
  const interventionsAdded: string[] = [];
  for (const name of plan.interventions) {
    if (idByName.has(name)) continue;
    const created = await insertIntervention(trx, study.id, name, now);
    idByName.set(name, created.id);
    interventionsAdded.push(name);
    await audit('intervention.create', { type: 'intervention', id: created.id, studyId: study.id }, null, created);
  }

  let deviceSettingsVersion: number | null = null;
  if (parts.deviceSettings && (plan.deviceSettings || Object.keys(plan.deviceSettingsExtra).length > 0)) {
    const current = await currentDeviceSettingsVersion(trx, study.id);
    const currentExtra = await deviceSettingsExtra(trx, study.id);
    const next = mergeDeviceSettings(current.settings, plan.deviceSettings ?? {});
    const nextExtra = { ...currentExtra, ...plan.deviceSettingsExtra };
    if (
      JSON.stringify(next) !== JSON.stringify(current.settings) ||
      JSON.stringify(nextExtra) !== JSON.stringify(currentExtra)
    ) {
      const saved = await insertDeviceSettingsVersion(trx, study.id, next, actor.caller.login, now, nextExtra);
      deviceSettingsVersion = saved.version;
      await audit(
        'device_settings.import',
        { type: 'device_settings', id: study.id, studyId: study.id },
        { ...current, beiweExtra: currentExtra },
        { ...saved, beiweExtra: nextExtra }
      );
    }
  }

  const surveys: ImportResult['surveys'] = [];
  for (const s of plan.surveys) {
    const survey = await insertSurvey(
      trx,
      study.id,
      {
        surveyType: s.surveyType,
        name: s.name,
        content: s.content,
        settings: s.settings,
        schedules: {
          weekly: s.weekly,
          absolute: s.absolute,
          relative: s.relative.map(({ intervention, ...at }) => ({
            interventionId: idByName.get(intervention)!,
            ...at,
          })),
        },
      },
      actor.caller.login,
      now
    );
    if (Object.keys(s.extra).length > 0) await setSurveyExtra(trx, survey.id, s.extra);
    surveys.push({ id: survey.id, objectId: survey.objectId, surveyType: survey.surveyType, name: survey.name });
    await audit('survey.import', { type: 'survey', id: survey.id, studyId: study.id }, null, {
      ...survey,
      beiweExtra: s.extra,
    });
  }

  let timezone: ImportResult['timezone'] = null;
  if (plan.timeZone !== null && plan.timeZone !== study.timezone) {
    const after = await updateStudy(trx, study, { timezone: plan.timeZone }, now);
    timezone = { before: study.timezone, after: plan.timeZone };
    await audit('study.update', { type: 'study', id: study.id, studyId: study.id }, study, after);
  }

  /**
   * A setting the file replaces whole, as the setting's own PUT does, and audited as that PUT is:
   * only when the file's differs from the study's.
   */
  const replaceSetting = async <T>(
    action: string,
    setting: { find(opts?: { forUpdate?: boolean }): Promise<T>; same(current: T): boolean; save(): Promise<void> }
  ): Promise<{ before: T; after: T } | null> => {
    const before = await setting.find({ forUpdate: true });
    if (setting.same(before)) return null;
    await setting.save();
    const after = await setting.find();
    await audit(action, { type: 'study', id: study.id, studyId: study.id }, before, after);
    return { before, after };
  };

  const chosen = plan.measurements;
  const measurementsChange =
    chosen &&
    (await replaceSetting('study.measurements.update', {
      find: (opts) => findStudyMeasurements(trx, study.id, opts),
      same: (current) => current.measurements.join() === chosen.join(),
      save: () => saveStudyMeasurements(trx, study.id, chosen, now),
    }));
  const measurements = measurementsChange
    ? { before: measurementsChange.before.measurements, after: measurementsChange.after.measurements }
    : null;

  const ranked = plan.sourcePriorities;
  const prioritiesChange =
    ranked &&
    (await replaceSetting('study.source-priority.update', {
      find: (opts) => findSourcePriorities(trx, study.id, opts),
      same: (current) => JSON.stringify(listedPriorities(current)) === JSON.stringify(ranked),
      save: () => saveSourcePriorities(trx, study.id, ranked, now),
    }));
  const sourcePriorities = prioritiesChange
    ? { before: listedPriorities(prioritiesChange.before), after: listedPriorities(prioritiesChange.after) }
    : null;

  if (Object.keys(plan.extra).length > 0) {
    const before = await studyExtra(trx, study.id);
    const after = { ...before, ...plan.extra };
    await setStudyExtra(trx, study.id, after);
    await audit('study.import_extra', { type: 'study', id: study.id, studyId: study.id }, before, after);
  }

  const result: ImportResult = {
    deviceSettingsVersion,
    surveys,
    interventionsAdded,
    timezone,
    measurements,
    sourcePriorities,
    notServed: notServed(plan),
  };
  await audit('study.import', { type: 'study', id: study.id, studyId: study.id }, null, result);
  return result;
}

/** Kept for the export, never sent to phones: said in the answer so nobody expects phones to get it. */
function notServed(plan: ImportPlan): ImportResult['notServed'] {
  const kept = 'kept for the export; phones do not get it';
  return [
    ...Object.keys(plan.extra).map((k) => ({ field: jsonPath([k]), message: `not a key Vigil reads: ${kept}` })),
    ...Object.keys(plan.deviceSettingsExtra).map((k) => ({
      field: jsonPath(['device_settings', k]),
      message: `not a setting Vigil knows: ${kept}`,
    })),
    ...plan.surveys.flatMap((s, i) => [
      ...((SURVEY_TYPES as readonly string[]).includes(s.surveyType)
        ? []
        : [{ field: jsonPath(['surveys', i]), message: `a survey of type ${JSON.stringify(s.surveyType)}: ${kept}` }]),
      ...Object.keys(s.extra).map((k) => ({
        field: jsonPath(['surveys', i, k]),
        message: `not a survey key Vigil reads: ${kept}`,
      })),
    ]),
  ];
}
