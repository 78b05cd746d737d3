import type { Knex } from 'knex';
import { parseJsonColumn } from './json-column.ts';

/**
 * What imported Beiwe study files held that Vigil does not understand (`beiwe_extra` columns),
 * kept only so the study's export gives it back; phones never get it.
 */
export type BeiweExtra = Record<string, unknown>;

const read = (value: unknown): BeiweExtra => (value === null ? {} : (parseJsonColumn(value) as BeiweExtra));
const write = (extra: BeiweExtra) => (Object.keys(extra).length === 0 ? null : JSON.stringify(extra));

export async function studyExtra(db: Knex, studyId: number): Promise<BeiweExtra> {
  const row = (await db('studies').select('beiwe_extra').where({ id: studyId }).first()) as
    { beiwe_extra: unknown } | undefined;
  return read(row?.beiwe_extra ?? null);
}

export async function setStudyExtra(db: Knex, studyId: number, extra: BeiweExtra): Promise<void> {
  await db('studies')
    .where({ id: studyId })
    .update({ beiwe_extra: write(extra) });
}

/** Each survey's kept keys, by survey id (surveys without any are left out). */
export async function surveyExtras(db: Knex, studyId: number): Promise<Map<number, BeiweExtra>> {
  const rows = (await db('surveys')
    .select('id', 'beiwe_extra')
    .where({ study_id: studyId })
    .whereNotNull('beiwe_extra')) as { id: number; beiwe_extra: unknown }[];
  return new Map(rows.map((r) => [r.id, read(r.beiwe_extra)]));
}

export async function setSurveyExtra(db: Knex, surveyId: number, extra: BeiweExtra): Promise<void> {
  await db('surveys')
    .where({ id: surveyId })
    .update({ beiwe_extra: write(extra) });
}

/** The device settings Vigil does not know, as the study's latest settings version keeps them. */
export async function deviceSettingsExtra(db: Knex, studyId: number): Promise<BeiweExtra> {
  const row = (await db('device_settings_versions')
    .select('beiwe_extra')
    .where({ study_id: studyId })
    .orderBy('version', 'desc')
    .first()) as { beiwe_extra: unknown } | undefined;
  return read(row?.beiwe_extra ?? null);
}

export const writeExtra = write;
