import { apiRequest } from './client.ts';
import type { DeletedMode, Page } from './types.ts';

/**
 * A study's configuration for Beiwe phones as the admin API serves it (ingest/src/study-config):
 * device settings, surveys with their schedules, interventions, and Beiwe's study file.
 */

export type DeviceSettingValue = boolean | number | string | Record<string, { text: string; more: string }>;
export type DeviceSettings = Record<string, DeviceSettingValue>;

/** Version 0 stands for "nothing saved yet: Beiwe's defaults". */
export type DeviceSettingsVersion = {
  studyId: number;
  version: number;
  settings: DeviceSettings;
  createdAt: string | null;
  createdBy: string | null;
};

export type SurveyType = 'tracking_survey' | 'audio_survey';

export type WeeklyTime = { day: number; hour: number; minute: number };
export type AbsoluteTime = { date: string; hour: number; minute: number };
export type RelativeTime = { interventionId: number; daysAfter: number; hour: number; minute: number };
export type Schedules = { weekly: WeeklyTime[]; absolute: AbsoluteTime[]; relative: RelativeTime[] };

/** Beiwe keeps questions and settings as loose objects; keys Vigil does not know are kept. */
export type SurveyDefinition = {
  surveyType: SurveyType;
  name: string;
  content: Array<Record<string, unknown>>;
  settings: Record<string, unknown>;
  schedules: Schedules;
};

export type Survey = Omit<SurveyDefinition, 'schedules' | 'surveyType'> & {
  /** Another type only when kept from an imported Beiwe file: not sent to phones, not editable. */
  surveyType: SurveyType | (string & {});
  id: number;
  studyId: number;
  objectId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  /** Each relative time with its intervention's name beside its id. */
  schedules: Omit<Schedules, 'relative'> & { relative: Array<RelativeTime & { intervention: string | null }> };
};

export type Intervention = { id: number; studyId: number; name: string };

/** Beiwe's study settings file: what export gives and import takes. */
export type StudyFile = {
  surveys?: unknown;
  device_settings?: unknown;
  interventions?: unknown;
  study_time_zone?: unknown;
  /** Vigil's own key (Beiwe's import ignores it): the wearable measurements the study collects. */
  wearable_measurements?: unknown;
  /** Vigil's own too: per measurement, the sources the study prefers (the source priority PUT's body). */
  wearable_source_priorities?: unknown;
};

export type ImportParts = {
  deviceSettings: boolean;
  surveys: boolean;
  timezone: boolean;
  measurements: boolean;
  sourcePriorities: boolean;
};

export type ImportResult = {
  deviceSettingsVersion: number | null;
  surveys: Array<{ id: number; objectId: string; surveyType: string; name: string }>;
  interventionsAdded: string[];
  timezone: { before: string; after: string } | null;
  /** The wearable measurements the study collects, when the import changed them. */
  measurements: { before: string[]; after: string[] } | null;
  /** The measurements that have a source list, before and after, when the import changed them. */
  sourcePriorities: { before: Record<string, PriorityEntry[]>; after: Record<string, PriorityEntry[]> } | null;
  /** What the file holds that phones do not get: kept so the study's export gives it back. */
  notServed: Array<{ field: string; message: string }>;
};

/** The wearable measurements a study collects (ingest/src/study-measurements); `chosen` false: the default set. */
export type StudyMeasurements = {
  studyId: number;
  measurements: string[];
  chosen: boolean;
  catalogue: Array<{ id: string; label: string; providers: string[]; optIn: boolean }>;
};

export const getStudyMeasurements = (studyId: number) =>
  apiRequest<StudyMeasurements>(`/studies/${studyId}/measurements`);
export const saveStudyMeasurements = (studyId: number, measurements: string[]) =>
  apiRequest<StudyMeasurements>(`/studies/${studyId}/measurements`, { method: 'PUT', body: { measurements } });

/** Per measurement, the sources in the order the study prefers them; a device narrows an entry to one device. */
export type PriorityEntry = { source: string; device?: string };
export type SourcePriorities = {
  studyId: number;
  /** Every measurement with sources to rank; an empty list: the default order. */
  priorities: Record<string, PriorityEntry[]>;
  defaultOrder: Record<string, string[]>;
};

export const getSourcePriorities = (studyId: number) =>
  apiRequest<SourcePriorities>(`/studies/${studyId}/source-priority`);
export const saveSourcePriorities = (studyId: number, priorities: Record<string, PriorityEntry[]>) =>
  apiRequest<SourcePriorities>(`/studies/${studyId}/source-priority`, { method: 'PUT', body: priorities });

export const getDeviceSettings = (studyId: number) =>
  apiRequest<DeviceSettingsVersion>(`/studies/${studyId}/device-settings`);
export const saveDeviceSettings = (studyId: number, patch: Partial<DeviceSettings>) =>
  apiRequest<DeviceSettingsVersion>(`/studies/${studyId}/device-settings`, { method: 'PUT', body: patch });

export const listSurveys = (studyId: number, q: { deleted: DeletedMode; limit: number; offset: number }) =>
  apiRequest<Page<Survey>>(`/studies/${studyId}/surveys`, { query: q });
export const getSurvey = (id: number) => apiRequest<Survey>(`/surveys/${id}`);
export const createSurvey = (studyId: number, survey: SurveyDefinition) =>
  apiRequest<Survey>(`/studies/${studyId}/surveys`, { method: 'POST', body: survey });
export const updateSurvey = (id: number, patch: Omit<SurveyDefinition, 'surveyType'>) =>
  apiRequest<Survey>(`/surveys/${id}`, { method: 'PATCH', body: patch });
export const deleteSurvey = (id: number) => apiRequest<Survey>(`/surveys/${id}`, { method: 'DELETE' });
export const restoreSurvey = (id: number) => apiRequest<Survey>(`/surveys/${id}/restore`, { method: 'POST' });

export const listInterventions = (studyId: number) =>
  apiRequest<{ items: Intervention[] }>(`/studies/${studyId}/interventions`);
export const createIntervention = (studyId: number, name: string) =>
  apiRequest<Intervention>(`/studies/${studyId}/interventions`, { method: 'POST', body: { name } });

export const exportStudyFile = (studyId: number) => apiRequest<StudyFile>(`/studies/${studyId}/export`);
export const importStudyFile = (studyId: number, file: unknown, parts: ImportParts) =>
  apiRequest<ImportResult>(`/studies/${studyId}/import`, {
    method: 'POST',
    query: {
      deviceSettings: parts.deviceSettings,
      surveys: parts.surveys,
      timezone: parts.timezone,
      measurements: parts.measurements,
      sourcePriorities: parts.sourcePriorities,
    },
    body: file,
  });
