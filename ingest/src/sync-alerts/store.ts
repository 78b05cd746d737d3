import type { Knex } from 'knex';
import { z } from 'zod';
import {
  DigestEpisode,
  StoredRecipients,
  type EpisodeKind,
  type StoredDigestEpisode,
  type SyncAlertSettings,
} from './schemas.ts';

/** MariaDB hands JSON columns back as text; MySQL as parsed values. */
const json = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v), schema);

const NO_SETTINGS: SyncAlertSettings = { recipients: [], staleDeviceDays: null };

/** A study's digest settings; a study never configured has no recipients and the server's stale days. */
export async function findSyncAlertSettings(
  db: Knex,
  studyId: number,
  opts: { forUpdate?: boolean } = {}
): Promise<SyncAlertSettings> {
  const q = db('study_sync_alerts').where({ study_id: studyId }).first('recipients', 'stale_device_days');
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as
    { recipients: string; stale_device_days: number | null } | undefined;
  if (!row) return NO_SETTINGS;
  return { recipients: json(StoredRecipients).parse(row.recipients), staleDeviceDays: row.stale_device_days };
}

export async function saveSyncAlertSettings(
  db: Knex,
  studyId: number,
  settings: SyncAlertSettings,
  now: Date
): Promise<void> {
  await db('study_sync_alerts')
    .insert({
      study_id: studyId,
      recipients: JSON.stringify(settings.recipients),
      stale_device_days: settings.staleDeviceDays,
      updated_at: now,
    })
    .onConflict()
    .merge();
}

/** Every study's settings, for the check. */
export async function allSyncAlertSettings(db: Knex): Promise<Map<number, SyncAlertSettings>> {
  const rows = (await db('study_sync_alerts').select('study_id', 'recipients', 'stale_device_days')) as {
    study_id: number;
    recipients: string;
    stale_device_days: number | null;
  }[];
  return new Map(
    rows.map((r) => [
      r.study_id,
      { recipients: json(StoredRecipients).parse(r.recipients), staleDeviceDays: r.stale_device_days },
    ])
  );
}

export type Episode = {
  id: number;
  connectionId: number;
  kind: EpisodeKind;
  subject: string;
  startedAt: Date;
  lastNotifiedAt: Date | null;
};

export async function openEpisodes(db: Knex): Promise<Episode[]> {
  const rows = (await db('sync_alert_episodes')
    .whereNull('resolved_at')
    .select('id', 'connection_id', 'kind', 'subject', 'started_at', 'last_notified_at')) as {
    id: number;
    connection_id: number;
    kind: EpisodeKind;
    subject: string;
    started_at: Date;
    last_notified_at: Date | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
    connectionId: r.connection_id,
    kind: r.kind,
    subject: r.subject,
    startedAt: r.started_at,
    lastNotifiedAt: r.last_notified_at,
  }));
}

export async function openEpisode(
  db: Knex,
  e: { connectionId: number; kind: EpisodeKind; subject: string },
  now: Date
): Promise<Episode> {
  const subject = e.subject.slice(0, 128);
  const [id] = await db('sync_alert_episodes').insert({
    connection_id: e.connectionId,
    kind: e.kind,
    subject,
    started_at: now,
    last_notified_at: null,
    resolved_at: null,
  });
  return {
    id: id as number,
    connectionId: e.connectionId,
    kind: e.kind,
    subject,
    startedAt: now,
    lastNotifiedAt: null,
  };
}

export async function resolveEpisodes(db: Knex, ids: readonly number[], now: Date): Promise<void> {
  if (ids.length > 0) await db('sync_alert_episodes').whereIn('id', ids).update({ resolved_at: now });
}

export async function markNotified(db: Knex, ids: readonly number[], now: Date): Promise<void> {
  if (ids.length > 0) await db('sync_alert_episodes').whereIn('id', ids).update({ last_notified_at: now });
}

export async function insertDigest(
  db: Knex,
  d: {
    studyId: number;
    sentAt: Date;
    recipients: readonly string[];
    episodes: StoredDigestEpisode[];
    error: string | null;
  }
): Promise<number> {
  const [id] = await db('sync_alert_digests').insert({
    study_id: d.studyId,
    sent_at: d.sentAt,
    recipients: JSON.stringify(d.recipients),
    content: JSON.stringify(d.episodes),
    error: d.error?.slice(0, 500) ?? null,
  });
  return id as number;
}

export type Digest = {
  id: number;
  sentAt: Date;
  recipients: string[];
  error: string | null;
  episodes: DigestEpisode[];
};

/** A study's digests, newest first. */
export async function listDigests(
  db: Knex,
  studyId: number,
  page: { limit: number; offset: number }
): Promise<{ items: Digest[]; total: number }> {
  const base = db('sync_alert_digests').where({ study_id: studyId });
  const [rows, [count]] = await Promise.all([
    base
      .clone()
      .select('id', 'sent_at', 'recipients', 'content', 'error')
      .orderBy([
        { column: 'sent_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(page.limit)
      .offset(page.offset),
    base.clone().count({ n: '*' }),
  ]);
  const items = (
    rows as { id: number; sent_at: Date; recipients: unknown; content: unknown; error: string | null }[]
  ).map((r) => ({
    id: r.id,
    sentAt: r.sent_at,
    recipients: json(StoredRecipients).parse(r.recipients),
    error: r.error,
    // Parsing drops what the row keeps beyond the listed fields (episode and connection ids).
    episodes: json(z.array(DigestEpisode)).parse(r.content),
  }));
  return { items, total: Number(count?.n ?? 0) };
}
