import type { Knex } from 'knex';
import { orjsonTime } from './python-time.ts';

/**
 * A participant's upload, heartbeat and app-version histories, in the shapes of Beiwe's
 * `/get-participant-{upload,heartbeat,version}-history/v1` (`endpoints/data_api_endpoints.py`):
 * objects in Beiwe's key order, or with `omit_keys` the lists of their values (a one-field record
 * becomes its bare value). Times are orjson's with OPT_OMIT_MICROSECONDS and OPT_UTC_Z.
 */
export type HistoryRecord = Record<string, string | number>;

const READ_AHEAD = { highWaterMark: 2000 };
const utc = (d: Date) => orjsonTime(d, 'UTC', { omitMicroseconds: true, utcZ: true });

/** What `omit_keys` makes of a record, as Beiwe's `values_list` (flat when one field) does. */
export function shapeRecord(record: HistoryRecord, omit: boolean): unknown {
  if (!omit) return record;
  const values = Object.values(record);
  return values.length === 1 ? values[0] : values;
}

/**
 * Uploads the server accepted, oldest first: `file_size`, `timestamp` (when received) and
 * `file_name` (Beiwe's storage path without the patient id: the phone's name with `_` as `/`).
 * Beiwe tracks an upload once it decrypted it, so files refused as invalid or with a key error are
 * left out, and so is what the server wrote itself. Vigil keeps the size as received.
 */
export async function* uploadHistory(db: Knex, participant: { id: number; patientId: string }) {
  const rows = db('uploads')
    .where({ participant_id: participant.id, encrypted: true })
    .whereNotIn('status', ['rejected', 'key_error'])
    .orderBy([{ column: 'received_at' }, { column: 'id' }])
    .select('size_bytes', 'received_at', 'file_name')
    .stream(READ_AHEAD) as AsyncIterable<{ size_bytes: number | string; received_at: Date; file_name: string }>;
  const cut = participant.patientId.length + 1;
  for await (const r of rows) {
    yield {
      file_size: Number(r.size_bytes),
      timestamp: utc(r.received_at),
      file_name: r.file_name.replaceAll('_', '/').slice(cut),
    } satisfies HistoryRecord;
  }
}

/** Heartbeats received, oldest first: `timestamp`. */
export async function* heartbeatHistory(db: Knex, participantId: number) {
  const rows = db('beiwe_heartbeats')
    .where({ participant_id: participantId })
    .orderBy([{ column: 'received_at' }, { column: 'id' }])
    .select('received_at')
    .stream(READ_AHEAD) as AsyncIterable<{ received_at: Date }>;
  for await (const r of rows) yield { timestamp: utc(r.received_at) } satisfies HistoryRecord;
}

/**
 * App and OS versions, oldest first: `app_version_code`, `app_version_name`, `os_version`,
 * `created_on`. Beiwe adds a row when one of the three changes; Vigil's device history also
 * changes with the device id or time zone, so rows where the three stay the same are merged into
 * the first.
 */
export async function versionHistory(db: Knex, participantId: number): Promise<HistoryRecord[]> {
  const rows = (await db('beiwe_device_history')
    .where({ participant_id: participantId })
    .orderBy([{ column: 'seen_at' }, { column: 'id' }])
    .select('version_code', 'version_name', 'os_version', 'seen_at')) as {
    version_code: string;
    version_name: string;
    os_version: string;
    seen_at: Date;
  }[];
  const out: HistoryRecord[] = [];
  let last: HistoryRecord | undefined;
  for (const r of rows) {
    if (
      last &&
      last.app_version_code === r.version_code &&
      last.app_version_name === r.version_name &&
      last.os_version === r.os_version
    ) {
      continue;
    }
    last = {
      app_version_code: r.version_code,
      app_version_name: r.version_name,
      os_version: r.os_version,
      created_on: utc(r.seen_at),
    };
    out.push(last);
  }
  return out;
}

/**
 * Device status reports kept while the participant's device info tracking was on, oldest first:
 * `created_on`, `endpoint`, `app_os`, `os_version`, `app_version`, then `device_status`, the
 * phone's report as a JSON value (Beiwe inlines the stored text; a report that is not JSON comes
 * back as a string rather than breaking the document, and a request without one as `{}`).
 */
export async function* deviceStatusHistory(db: Knex, participantId: number) {
  const rows = db('beiwe_device_status_reports')
    .where({ participant_id: participantId })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .select('created_at', 'endpoint', 'app_os', 'os_version', 'app_version', 'report')
    .stream(READ_AHEAD) as AsyncIterable<{
    created_at: Date;
    endpoint: string;
    app_os: string;
    os_version: string;
    app_version: string;
    report: string | null;
  }>;
  for await (const r of rows) {
    yield {
      created_on: utc(r.created_at),
      endpoint: r.endpoint,
      app_os: r.app_os,
      os_version: r.os_version,
      app_version: r.app_version,
      device_status: asJson(r.report),
    };
  }
}

function asJson(text: string | null): unknown {
  if (text === null) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A JSON list written as its items arrive, so a long history is never held whole. */
export function jsonListStream(items: AsyncIterable<unknown> | Iterable<unknown>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  async function* parts() {
    yield '[';
    let first = true;
    let batch: string[] = [];
    for await (const item of items) {
      batch.push((first ? '' : ',') + JSON.stringify(item));
      first = false;
      if (batch.length >= 1000) {
        yield batch.join('');
        batch = [];
      }
    }
    yield `${batch.join('')}]`;
  }
  const it = parts();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await it.return(undefined);
    },
  });
}
