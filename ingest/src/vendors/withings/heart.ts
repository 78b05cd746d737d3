import { z } from 'zod';
import type { Batch, HeartRhythmRow } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { offsetMinutes } from '../../wearables/time.ts';
import type { Window } from '../../wearables/source.ts';
import { DEVICE_MODELS } from './codes.ts';
import { AFIB_CLASSES } from './measures.ts';
import { fromEpoch, seconds, type WithingsApi } from './shared.ts';

/**
 * ECG recordings (wearable-apis.md §4.4.8; `heartv2-list`, `heartv2-get`; scope `user.metrics`):
 * each recording's AFib classification and average heart rate into `heart_rhythm`, and its signal
 * (µV samples, sampling frequency, wear position), as Withings sends it, into the raw archive.
 * A signal already archived is not fetched again when its window is re-read.
 */

const HeartList = z.object({
  series: z.array(
    z.object({
      deviceid: z.string().nullish(),
      model: z.number().nullish(),
      ecg: z.object({ signalid: z.number(), afib: z.number().nullish() }).nullish(),
      heart_rate: z.number().nullish(),
      timestamp: z.number(),
    })
  ),
});
const Signal = z.looseObject({
  signal: z.array(z.number()),
  sampling_frequency: z.number().nullish(),
  wearposition: z.number().nullish(),
});

export async function heartRecordings(api: WithingsApi, w: Window): Promise<Batch> {
  const { env } = api;
  const b = emptyBatch();
  const params = { action: 'list', startdate: seconds(w.from), enddate: seconds(w.to) };
  const listed = (await api.paged('/v2/heart', params)).flatMap((raw) => HeartList.parse(raw).series);
  const archived = new Set(
    (await env
      .db('heart_rhythm')
      .where({ connection_id: env.connectionId, method: 'ecg' })
      .whereNotNull('signal_archive_key')
      .whereIn(
        'signal_id',
        listed.flatMap((r) => (r.ecg ? [String(r.ecg.signalid)] : []))
      )
      .pluck('signal_id')) as string[]
  );
  for (const rec of listed) {
    if (!rec.ecg) continue;
    const at = fromEpoch(rec.timestamp);
    const signalId = String(rec.ecg.signalid);
    const afib = rec.ecg.afib;
    const row: HeartRhythmRow = {
      device: rec.model === null || rec.model === undefined ? null : (DEVICE_MODELS[rec.model] ?? String(rec.model)),
      utc_offset_min: offsetMinutes(env.timeZone, at),
      method: 'ecg',
      recorded_at: at,
      // The heart list holds the device's own recordings only.
      entry: 'device',
      signal_id: signalId,
      ...(afib !== null && afib !== undefined && { afib_code: afib, afib_class: AFIB_CLASSES[afib] ?? null }),
      ...(rec.heart_rate && { heart_rate_bpm: rec.heart_rate }),
    };
    if (env.rawArchive && !archived.has(signalId)) {
      const raw = await api.call('/v2/heart', { action: 'get', signalid: signalId });
      const signal = Signal.parse(raw);
      row.signal_archive_key = await env.rawArchive.put(
        `withings-ecg/${signalId}.json`,
        Buffer.from(JSON.stringify({ signalid: rec.ecg.signalid, timestamp: rec.timestamp, ...signal }))
      );
      if (signal.sampling_frequency) row.sampling_frequency_hz = signal.sampling_frequency;
      if (signal.wearposition !== null && signal.wearposition !== undefined) row.wear_position = signal.wearposition;
    }
    b.heartRhythm.push(row);
  }
  return b;
}
