import type { Knex } from 'knex';

export const UPLOAD_STATUSES = ['queued', 'processed', 'key_error', 'failed', 'rejected'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

export type NewUpload = {
  participantId: number;
  fileName: string;
  stream: string;
  fileTime: Date;
  osType: string;
  encrypted: boolean;
  receivedAt: Date;
  sizeBytes: number;
  sha256: Buffer;
  archiveKey: string;
  status: UploadStatus;
  error?: string | undefined;
};

export type Upload = Omit<NewUpload, 'sha256' | 'error'> & {
  id: number;
  sha256: string;
  lines: number | null;
  badLines: number | null;
  errorCounts: Record<string, number> | null;
  rowsStored: number | null;
  rowsRejected: number | null;
  error: string | null;
  processedAt: Date | null;
};

type UploadRow = {
  id: number;
  participant_id: number;
  file_name: string;
  stream: string;
  file_time: Date;
  os_type: string;
  encrypted: number;
  received_at: Date;
  size_bytes: number | string;
  sha256: Buffer;
  archive_key: string;
  status: UploadStatus;
  lines: number | null;
  bad_lines: number | null;
  error_counts: string | Record<string, number> | null;
  rows_stored: number | null;
  rows_rejected: number | null;
  error: string | null;
  processed_at: Date | null;
};

const toUpload = (r: UploadRow): Upload => ({
  id: Number(r.id),
  participantId: r.participant_id,
  fileName: r.file_name,
  stream: r.stream,
  fileTime: r.file_time,
  osType: r.os_type,
  encrypted: Boolean(r.encrypted),
  receivedAt: r.received_at,
  sizeBytes: Number(r.size_bytes),
  sha256: r.sha256.toString('hex'),
  archiveKey: r.archive_key,
  status: r.status,
  lines: r.lines,
  badLines: r.bad_lines,
  // MariaDB keeps JSON as text; mysql2 may or may not parse it.
  errorCounts:
    typeof r.error_counts === 'string' ? (JSON.parse(r.error_counts) as Record<string, number>) : r.error_counts,
  rowsStored: r.rows_stored,
  rowsRejected: r.rows_rejected,
  error: r.error,
  processedAt: r.processed_at,
});

/** The same file from the same participant, already stored (a phone re-sending after a timeout). */
export async function findSameUpload(db: Knex, participantId: number, fileName: string, sha256: Buffer) {
  return (await db('uploads')
    .where({ participant_id: participantId, file_name: fileName, sha256 })
    .first('id', 'status')) as { id: number; status: UploadStatus } | undefined;
}

export async function findUpload(db: Knex, id: number): Promise<Upload | undefined> {
  const row = (await db('uploads').where({ id }).first()) as UploadRow | undefined;
  return row && toUpload(row);
}

export async function findUploads(db: Knex, ids: readonly number[]): Promise<Upload[]> {
  if (ids.length === 0) return [];
  return ((await db('uploads').whereIn('id', ids)) as UploadRow[]).map(toUpload);
}

export type UploadFilter = {
  participantId: number;
  status?: UploadStatus | undefined;
  stream?: string | undefined;
  limit: number;
  offset: number;
};

export async function listUploads(db: Knex, filter: UploadFilter): Promise<{ items: Upload[]; total: number }> {
  const base = db('uploads').where((q) => {
    void q.where('participant_id', filter.participantId);
    if (filter.status !== undefined) void q.where('status', filter.status);
    if (filter.stream !== undefined) void q.where('stream', filter.stream);
  });
  const [rows, [count]] = await Promise.all([
    base.clone().select('*').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset),
    base.clone().count({ n: '*' }),
  ]);
  return { items: (rows as UploadRow[]).map(toUpload), total: Number(count?.n ?? 0) };
}

export type ProcessingResult = {
  status: 'processed' | 'key_error';
  lines: number;
  badLines: number;
  errorCounts: Record<string, number> | null;
  error: string | null;
  rowsStored?: number | null;
  rowsRejected?: number | null;
};

/**
 * Records the results of a batch of uploads in one statement: a batch can hold hundreds of small
 * uploads, and one UPDATE each was a round trip per Wi-Fi scan.
 */
export async function recordProcessingResults(
  db: Knex,
  results: readonly { uploadId: number; result: ProcessingResult }[],
  now: Date
): Promise<void> {
  if (results.length === 0) return;
  const values = results.map(({ uploadId, result }) => [
    uploadId,
    result.status,
    result.lines,
    result.badLines,
    result.errorCounts && JSON.stringify(result.errorCounts),
    result.error?.slice(0, 1000) ?? null,
    result.rowsStored ?? null,
    result.rowsRejected ?? null,
  ]);
  const row = '?, ?, ?, ?, ?, ?, ?, ?';
  const first =
    'SELECT ? AS id, ? AS status, ? AS `lines`, ? AS bad_lines, ? AS error_counts, ? AS error, ? AS rows_stored, ? AS rows_rejected';
  const derived = [first, ...values.slice(1).map(() => `SELECT ${row}`)].join(' UNION ALL ');
  await db.raw(
    `UPDATE uploads u JOIN (${derived}) v ON v.id = u.id SET u.status = v.status, u.lines = v.lines, u.bad_lines = v.bad_lines, u.error_counts = v.error_counts, u.error = v.error, u.rows_stored = v.rows_stored, u.rows_rejected = v.rows_rejected, u.processed_at = ?`,
    [...values.flat(), now]
  );
}

export async function setUploadStatus(
  db: Knex,
  uploadIds: readonly number[],
  status: UploadStatus,
  error: string | null
): Promise<void> {
  if (uploadIds.length === 0) return;
  await db('uploads')
    .whereIn('id', uploadIds)
    .update({ status, error: error?.slice(0, 1000) ?? null });
}
