import type { Knex } from 'knex';
import type { Caller } from '../auth/grafana-proxy.ts';

/** Who acted: a Grafana user, or Vigil itself for scheduled work. */
export type Actor = Pick<Caller, 'login' | 'isServerAdmin'> & { readonly role: Caller['role'] | 'System' };

export const SYSTEM_ACTOR: Actor = { login: 'vigil', role: 'System', isServerAdmin: false };

export type AuditEntry = {
  readonly caller: Actor;
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string | number; readonly studyId?: number | null };
  readonly before: unknown;
  readonly after: unknown;
  readonly requestId?: string | undefined;
};

/** Written in the same transaction as the change it describes, so neither exists without the other. */
export async function recordAudit(db: Knex, at: Date, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    at,
    actor_login: entry.caller.login,
    actor_role: entry.caller.role,
    actor_is_server_admin: entry.caller.isServerAdmin,
    action: entry.action,
    target_type: entry.target.type,
    target_id: String(entry.target.id),
    study_id: entry.target.studyId ?? null,
    before: entry.before === null || entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === null || entry.after === undefined ? null : JSON.stringify(entry.after),
    request_id: entry.requestId ?? null,
  });
}

export type AuditFilter = {
  studyId?: number | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  limit: number;
  offset: number;
};

export type AuditRecord = {
  id: number;
  at: Date;
  actor: { login: string; role: string; isServerAdmin: boolean };
  action: string;
  target: { type: string; id: string; studyId: number | null };
  before: unknown;
  after: unknown;
  requestId: string | null;
};

export async function listAudit(db: Knex, filter: AuditFilter): Promise<{ items: AuditRecord[]; total: number }> {
  const base = db('audit_log').where((q) => {
    if (filter.studyId !== undefined) void q.where('study_id', filter.studyId);
    if (filter.targetType !== undefined) void q.where('target_type', filter.targetType);
    if (filter.targetId !== undefined) void q.where('target_id', filter.targetId);
    if (filter.actor !== undefined) void q.where('actor_login', filter.actor);
    if (filter.action !== undefined) void q.where('action', filter.action);
  });
  const [rows, [count]] = await Promise.all([
    base.clone().select('*').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset),
    base.clone().count({ n: '*' }),
  ]);
  return { items: (rows as AuditRow[]).map(toRecord), total: Number(count?.n ?? 0) };
}

type AuditRow = {
  id: number;
  at: Date;
  actor_login: string;
  actor_role: string;
  actor_is_server_admin: number;
  action: string;
  target_type: string;
  target_id: string;
  study_id: number | null;
  before: string | null;
  after: string | null;
  request_id: string | null;
};

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: Number(row.id),
    at: row.at,
    actor: { login: row.actor_login, role: row.actor_role, isServerAdmin: Boolean(row.actor_is_server_admin) },
    action: row.action,
    target: { type: row.target_type, id: row.target_id, studyId: row.study_id },
    before: parseJson(row.before),
    after: parseJson(row.after),
    requestId: row.request_id,
  };
}

// MariaDB stores JSON as LONGTEXT, so mysql2 hands it back as a string.
function parseJson(value: string | null): unknown {
  return value === null ? null : typeof value === 'string' ? JSON.parse(value) : value;
}
