import type { Knex } from 'knex';
import type { Row } from './formats.ts';

const HOUR = 3_600_000;

/**
 * Wrapped lines Beiwe's `fix_app_log_file` drops as known noise: it tests the line's start (the
 * last as a substring of the first 18 characters, which covers two messages).
 */
const DROPPED_PREFIXES = ['bluetooth Failure', 'our not-quite-race-condition', 'a sessionactivity tried to clear the'];
const isDropped = (line: string) =>
  DROPPED_PREFIXES.some((p) => line.startsWith(p)) || line.slice(0, 18).includes('accelSensorManager');

/** Stored app-log rows in the order Beiwe's chunks list them, within the hours [from, to) of their filing time. */
export function appLogQuery(db: Knex, participantId: number, from: Date | undefined, to: Date | undefined) {
  const q = db('app_log')
    .select('t', 'file_t', 'line_no', 'wrapped', 'message')
    .where('participant_id', participantId)
    .orderByRaw('COALESCE(file_t, t), line_no, t, message_hash');
  if (from) void q.whereRaw('COALESCE(file_t, t) >= ?', [from]);
  if (to) void q.whereRaw('COALESCE(file_t, t) < ?', [to]);
  return q;
}

/**
 * Beiwe's Android app-log rows (`fix_app_log_file`, spec §5.2) from the stored ones: each log file
 * is a `New app log file created` row (its header, line 0) and then its lines in file order, every
 * one under the file's time; a line with a time of its own keeps it inside the event text (Android
 * writes `ms,message` and Beiwe splits on a space), a wrapped line stays as written unless it is
 * noise Beiwe drops, and a row repeating another of its hour byte for byte (its file's time included) is left out, as Beiwe's
 * merge does. Rows stored before the file was recorded (no `file_t`) keep their own time and
 * message. Yields `{ t, line }`: the filing time and the text after `timestamp,UTC time,`.
 */
export async function* beiweAppLogRows(rows: AsyncIterable<Row>): AsyncGenerator<Row> {
  let hour = -1;
  let seen = new Set<string>();
  for await (const r of rows) {
    const own = r.t as Date;
    const message = String(r.message);
    const filed = r.file_t === null ? own : (r.file_t as Date);
    let line: string;
    if (r.file_t === null) line = message;
    else if (Number(r.line_no) === 0) line = 'New app log file created';
    else if (Number(r.wrapped) === 1) {
      if (isDropped(message)) continue;
      line = message;
    } else line = `${own.getTime()},${message}`;
    const rowHour = Math.floor(filed.getTime() / HOUR);
    if (rowHour !== hour) {
      hour = rowHour;
      seen = new Set();
    }
    const whole = `${filed.getTime()},${line}`;
    if (seen.has(whole)) continue;
    seen.add(whole);
    yield { t: filed, line };
  }
}
