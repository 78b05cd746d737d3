import type { Knex } from 'knex';
import type { Study } from '../studies/store.ts';
import { legibleTime, localDate, orjsonTime } from './python-time.ts';

/**
 * Beiwe's participant table (`/get-participant-table-data/v1`,
 * `libs/endpoint_helpers/participant_table_helpers.py`): one row per live participant by patient
 * id, columns `Created On`, `Patient ID`, `Status`, `OS Type`, the study's interventions (dates,
 * by lowercase name), its custom fields (Vigil has none), then the extra fields below. Times are
 * in the study's time zone: datetimes for JSON, `%Y-%m-%d %H:%M:%S (%Z)` for CSV; a value never
 * recorded is null in JSON and `None` in CSV.
 */
export const BASE_COLUMNS = ['Created On', 'Patient ID', 'Status', 'OS Type'] as const;
export const EXTRA_COLUMNS = [
  'First Registration Date',
  'Last Registration',
  'Last Timezone',
  'Last Upload',
  'Last Survey Download',
  'Last Set Password',
  'Last Push Token Update',
  'Last Device Settings Update',
  'Last OS Version',
  'App Version Code',
  'App Version Name',
  'Last Heartbeat',
] as const;

export type TableCell = string | null;
export type ParticipantTable = { columns: string[]; rows: TableCell[][] };

type Row = {
  id: number;
  created_at: Date;
  patient_id: string;
  device_id: string | null;
  os_type: string | null;
  first_registered_at: Date | null;
  last_registered_at: Date | null;
  last_upload_at: Date | null;
  last_heartbeat_at: Date | null;
  retired_at: Date | null;
  last_token_at: Date | null;
};

const MINUTE = 60_000;
const ACTIVE_WITHIN: [number, string][] = [
  [5 * MINUTE, 'Active (just now)'],
  [60 * MINUTE, 'Active (last hour)'],
  [24 * 60 * MINUTE, 'Active (past day)'],
  [7 * 24 * 60 * MINUTE, 'Active (past week)'],
];

/** Beiwe's `determine_registered_status` over the activity times Vigil records. */
export function registeredStatus(now: Date, registered: boolean, retired: boolean, times: (Date | null)[]): string {
  if (!registered) return 'Not Registered';
  if (retired) return 'Permanently Retired';
  const latest = Math.max(...times.map((t) => t?.getTime() ?? -Infinity));
  for (const [within, label] of ACTIVE_WITHIN) if (latest > now.getTime() - within) return label;
  return 'Inactive';
}

export async function participantTable(
  db: Knex,
  study: Study,
  now: Date,
  format: 'json' | 'csv'
): Promise<ParticipantTable> {
  const tz = study.timezone;
  const interventions = (await db('interventions').where({ study_id: study.id }).select('id', 'name')) as {
    id: number;
    name: string;
  }[];
  interventions.sort((a, b) => {
    const [x, y] = [a.name.toLowerCase(), b.name.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const rows = (await db('participants as p')
    .join('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.study_id', study.id)
    .whereNull('p.deleted_at')
    .orderBy('b.patient_id')
    .select(
      'p.id',
      'p.created_at',
      'b.patient_id',
      'b.device_id',
      'b.os_type',
      'b.first_registered_at',
      'b.last_registered_at',
      'b.last_upload_at',
      'b.last_heartbeat_at',
      'b.retired_at',
      db('beiwe_fcm_tokens as t').whereRaw('t.participant_id = p.id').max('t.created_at').as('last_token_at')
    )) as Row[];
  const ids = rows.map((r) => r.id);
  const dates = (await db('participant_intervention_dates')
    .whereIn('participant_id', ids)
    .select('participant_id', 'intervention_id', db.raw("DATE_FORMAT(date, '%Y-%m-%d') AS date"))) as {
    participant_id: number;
    intervention_id: number;
    date: string;
  }[];
  const dateOf = new Map(dates.map((d) => [`${d.participant_id}/${d.intervention_id}`, d.date]));
  const latest = await latestDevices(db, ids);
  const time = (d: Date | null): TableCell =>
    d === null ? (format === 'json' ? null : 'None') : format === 'json' ? orjsonTime(d, tz) : legibleTime(d, tz);
  const text = (s: string | undefined): TableCell => s ?? (format === 'json' ? null : 'None');
  const out = rows.map((r) => {
    const device = latest.get(r.id);
    const registered = r.device_id !== null && r.device_id !== '';
    return [
      localDate(r.created_at, tz),
      r.patient_id,
      registeredStatus(now, registered, r.retired_at !== null, [
        r.last_upload_at,
        r.last_registered_at,
        r.last_heartbeat_at,
        r.last_token_at,
      ]),
      r.os_type ?? '',
      ...interventions.map((i) => dateOf.get(`${r.id}/${i.id}`) ?? ''),
      time(r.first_registered_at),
      time(r.last_registered_at),
      text(device?.timezone),
      time(r.last_upload_at),
      time(null),
      time(null),
      time(r.last_token_at),
      time(null),
      text(device?.os_version),
      text(device?.version_code),
      text(device?.version_name),
      time(r.last_heartbeat_at),
    ];
  });
  return { columns: [...BASE_COLUMNS, ...interventions.map((i) => i.name), ...EXTRA_COLUMNS], rows: out };
}

type Device = { timezone: string; os_version: string; version_code: string; version_name: string };

/** Each participant's latest device report. */
async function latestDevices(db: Knex, participantIds: number[]): Promise<Map<number, Device>> {
  if (participantIds.length === 0) return new Map();
  const rows = (await db('beiwe_device_history as h')
    .whereIn('h.participant_id', participantIds)
    .whereRaw('h.id = (SELECT MAX(l.id) FROM beiwe_device_history AS l WHERE l.participant_id = h.participant_id)')
    .select('h.participant_id', 'h.timezone', 'h.os_version', 'h.version_code', 'h.version_name')) as (Device & {
    participant_id: number;
  })[];
  return new Map(rows.map((r) => [r.participant_id, r]));
}

/** Excel-dialect CSV as Python's `csv.writer` writes it: `\r\n` lines, quotes only where needed. */
export function tableCsv(table: ParticipantTable): string {
  const cell = (v: TableCell) => {
    const s = v ?? '';
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [table.columns, ...table.rows].map((row) => `${row.map(cell).join(',')}\r\n`).join('');
}
