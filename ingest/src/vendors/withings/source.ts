import { z } from 'zod';
import { withingsCall } from './api.ts';
import { DEFAULT_QUOTAS } from '../../wearables/budget.ts';
import type { Batch, SleepStage } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { offsetMinutes, utcDate } from '../../wearables/time.ts';
import type { DataSource, PullEnv, Window } from '../../wearables/source.ts';
import { WHOLE_RANGE } from '../../wearables/source.ts';
import { Measures, measTypes, measureRows } from './measures.ts';
import { dailyActivity, intraday, workouts } from './activity.ts';
import { heartRecordings } from './heart.ts';
import { appendBatch, changedOr, seconds, type WithingsApi } from './shared.ts';

/**
 * Withings (wearable-apis.md §4.4): measures, sleep (summaries and their detail) and devices, each
 * a form POST whose outcome is the body's `status`, paged with `more`/`offset`. The 120 calls per
 * minute are the whole application's, so every call draws on one app-wide budget. A sync asks
 * getmeas, getsummary, getactivity and getworkouts for what was created or modified since its
 * cursor (`lastupdate`, §4.4.1),
 * so a device that uploads days late has those days read then, and nothing else is re-read.
 */

const MAX_PAGES = 500;
const SUMMARY_FIELDS =
  'total_timeinbed,total_sleep_time,asleepduration,lightsleepduration,deepsleepduration,remsleepduration,wakeupduration,wakeupcount,sleep_score,hr_average,rr_average';

const call = (env: PullEnv, path: string, params: Record<string, string>, token: string) =>
  env.budgets.limited([['withings:app', DEFAULT_QUOTAS.withingsApp]], () =>
    withingsCall(env.fetchFn, `${env.config.withings.apiUrl}${path}`, params, token)
  );

const Paged = z.looseObject({ more: z.union([z.boolean(), z.number()]).optional(), offset: z.number().optional() });

async function paged(env: PullEnv, path: string, params: Record<string, string>, token: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  let offset = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await call(env, path, { ...params, ...(offset > 0 && { offset: String(offset) }) }, token);
    bodies.push(body);
    const { more, offset: next } = Paged.parse(body);
    if (!more || next === undefined || next <= offset) return bodies;
    offset = next;
  }
  throw new Error(`Withings ${params.action}: more than ${MAX_PAGES} pages`);
}

const fromEpoch = (s: number) => new Date(s * 1000);

async function measures(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const params = {
    action: 'getmeas',
    meastypes: measTypes(env.collects),
    category: '1',
    ...changedOr(w, { startdate: seconds(w.from), enddate: seconds(w.to) }),
  };
  for (const raw of await paged(env, '/measure', params, token)) {
    appendBatch(b, measureRows(Measures.parse(raw), env.timeZone));
  }
  return b;
}

/**
 * Every requested field may be absent or null: the spec names null light, deep and REM durations
 * for nights recorded by an external source (then `asleepduration` carries the sleep), and marks
 * nothing else as never null (wearable-apis.md §4.4.6).
 */
const nullableSeconds = z.number().nullish();
const SummaryData = z.looseObject(
  Object.fromEntries(SUMMARY_FIELDS.split(',').map((field) => [field, nullableSeconds])) as Record<
    string,
    typeof nullableSeconds
  >
);

const Summaries = z.object({
  series: z.array(
    z.object({
      id: z.union([z.number(), z.string()]),
      timezone: z.string().optional(),
      model: z.union([z.number(), z.string()]).optional(),
      startdate: z.number(),
      enddate: z.number(),
      date: z.string(),
      data: SummaryData.optional(),
    })
  ),
});

async function summaries(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const params = {
    action: 'getsummary',
    ...changedOr(w, { startdateymd: utcDate(w.from), enddateymd: utcDate(new Date(w.to.getTime() - 1)) }),
    data_fields: SUMMARY_FIELDS,
  };
  for (const raw of await paged(env, '/v2/sleep', params, token)) {
    for (const s of Summaries.parse(raw).series) {
      const d = s.data ?? {};
      const end = fromEpoch(s.enddate);
      const light = d.lightsleepduration ?? null;
      const deep = d.deepsleepduration ?? null;
      const rem = d.remsleepduration ?? null;
      const stages = light === null && deep === null && rem === null ? null : (light ?? 0) + (deep ?? 0) + (rem ?? 0);
      const asleep = d.total_sleep_time ?? d.asleepduration ?? stages;
      b.sleepSessions.push({
        device: s.model === undefined ? null : String(s.model),
        session_id: String(s.id),
        start_at: fromEpoch(s.startdate),
        end_at: end,
        utc_offset_min: offsetMinutes(s.timezone ?? env.timeZone, end),
        local_date: s.date,
        asleep_s: asleep,
        awake_s: d.wakeupduration ?? null,
        light_s: light,
        deep_s: deep,
        rem_s: rem,
        score: d.sleep_score ?? null,
        stages: null,
      });
    }
  }
  return b;
}

const DETAIL_STATES: Record<number, SleepStage> = { 0: 'awake', 1: 'light', 2: 'deep', 3: 'rem', 15: 'out_of_bed' };
const Series = z.record(z.string(), z.number());
const Detail = z.object({
  series: z.array(
    z.object({
      startdate: z.number(),
      enddate: z.number(),
      state: z.number(),
      model: z.string().optional(),
      hr: Series.optional(),
      rr: Series.optional(),
      rmssd: Series.optional(),
      sdnn_1: Series.optional(),
    })
  ),
});

type NightSpan = { session_id: string; start_at: Date; end_at: Date; utc_offset_min: number };

/**
 * Sleep detail over [from, to) (at most 24 h: "only the first 24h" are served, §4.4.5): state
 * segments with heart rate, respiration and HRV keyed by epoch second. Segments belong to the night
 * that contains them: one of `nights`, or one stored before.
 */
async function detail(env: PullEnv, token: string, w: Window, known: readonly NightSpan[]): Promise<Batch> {
  const b = emptyBatch();
  const params = {
    action: 'get',
    startdate: seconds(w.from),
    enddate: seconds(w.to),
    data_fields: 'hr,rr,rmssd,sdnn_1',
  };
  const stored = (await env
    .db('sleep_sessions')
    .where({ connection_id: env.connectionId, source: 'withings' })
    .where('end_at', '>', new Date(w.from.getTime() - 86_400_000))
    .where('start_at', '<', new Date(w.to.getTime() + 86_400_000))
    .select('session_id', 'start_at', 'end_at', 'utc_offset_min')) as NightSpan[];
  const nights = [...known, ...stored];
  for (const raw of await paged(env, '/v2/sleep', params, token)) {
    for (const seg of Detail.parse(raw).series) {
      const start = fromEpoch(seg.startdate);
      const night = nights.find((n) => n.start_at <= start && start < n.end_at);
      const offset = night?.utc_offset_min ?? offsetMinutes(env.timeZone, start);
      const device = seg.model ?? null;
      b.sleepStages.push({
        session_id: night?.session_id ?? `detail:${utcDate(start)}`,
        start_at: start,
        end_at: fromEpoch(seg.enddate),
        utc_offset_min: offset,
        stage: DETAIL_STATES[seg.state] ?? 'unknown',
      });
      for (const [t, bpm] of Object.entries(seg.hr ?? {})) {
        b.heartRate.push({ device, context: 'sleep', measured_at: fromEpoch(Number(t)), utc_offset_min: offset, bpm });
      }
      for (const [t, rate] of Object.entries(seg.rr ?? {})) {
        b.respiratory.push({
          device,
          measured_at: fromEpoch(Number(t)),
          utc_offset_min: offset,
          breaths_per_min: rate,
        });
      }
      b.hrv.push(...sleepHrv(seg, device, offset));
    }
  }
  return b;
}

/** HRV the sleep monitor gives (RMSSD and 1-minute SDNN, ms), one row per instant with either. */
function sleepHrv(
  seg: { rmssd?: Record<string, number> | undefined; sdnn_1?: Record<string, number> | undefined },
  device: string | null,
  offset: number
) {
  const times = [...new Set([...Object.keys(seg.rmssd ?? {}), ...Object.keys(seg.sdnn_1 ?? {})])];
  return times.map((t) => ({
    device,
    measured_at: fromEpoch(Number(t)),
    utc_offset_min: offset,
    rmssd_ms: seg.rmssd?.[t] ?? null,
    sdnn_ms: seg.sdnn_1?.[t] ?? null,
  }));
}

const apiOf = (env: PullEnv, token: string): WithingsApi => ({
  env,
  call: (path, params) => call(env, path, params, token),
  paged: (path, params) => paged(env, path, params, token),
});

const Devices = z.object({
  devices: z.array(
    z.object({
      type: z.string().optional(),
      model: z.string().optional(),
      battery: z.string().optional(),
      deviceid: z.string().nullish(),
      hash_deviceid: z.string().nullish(),
      last_session_date: z.number().optional(),
    })
  ),
});

async function devices(env: PullEnv, token: string): Promise<Batch> {
  const b = emptyBatch();
  for (const d of Devices.parse(await call(env, '/v2/user', { action: 'getdevice' }, token)).devices) {
    const id = d.deviceid ?? d.hash_deviceid;
    if (!id) continue;
    b.devices.push({
      device_id: id,
      model: d.model ?? null,
      device_type: d.type ?? null,
      // Withings gives only a level word (high, medium, low), no percentage.
      battery_pct: null,
      battery_status: d.battery ?? null,
      last_sync_at: d.last_session_date === undefined ? null : fromEpoch(d.last_session_date),
    });
  }
  return b;
}

const DAY_MS = 86_400_000;

/**
 * Summaries, then their detail (which has no `lastupdate`, §4.4.1): for a sync, over each night
 * that changed; for a range, day by day over the range.
 */
async function sleep(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = await summaries(env, token, w);
  const nights: NightSpan[] = b.sleepSessions.map((s) => ({
    session_id: s.session_id,
    start_at: s.start_at,
    end_at: s.end_at,
    utc_offset_min: s.utc_offset_min,
  }));
  const spans = w.changedSince ? nights.map((n) => ({ from: n.start_at, to: n.end_at })) : [w];
  for (const span of spans) {
    for (let at = span.from.getTime(); at < span.to.getTime(); at += DAY_MS) {
      const day = { from: new Date(at), to: new Date(Math.min(at + DAY_MS, span.to.getTime())) };
      const part = await detail(env, token, day, nights);
      b.sleepStages.push(...part.sleepStages);
      b.heartRate.push(...part.heartRate);
      b.respiratory.push(...part.respiratory);
      b.hrv.push(...part.hrv);
    }
  }
  return b;
}

export const withingsSource: DataSource = {
  // Every call of the app counts against its 120 a minute, token refreshes too (§4.5): with
  // 3-hour access tokens nearly every pull refreshes first, about one call in ten.
  refreshQuota: [['withings:app', DEFAULT_QUOTAS.withingsApp]],
  types: [
    { name: 'measures', maxDays: 90, changedSince: true },
    // A range reads detail one day per call, so its windows stay short enough to show progress.
    { name: 'sleep', maxDays: 7, changedSince: true },
    { name: 'devices', maxDays: WHOLE_RANGE },
    // Getactivity and Getworkouts take `lastupdate` too (the OpenAPI document): a day's totals or a
    // workout a device uploads late come with the next sync, as measures and nights do.
    { name: 'activity', maxDays: 90, changedSince: true },
    { name: 'workouts', maxDays: 90, changedSince: true },
    // Intraday activity, like sleep detail, serves only the first 24 h of a range.
    { name: 'intraday', maxDays: 1 },
    { name: 'heart', maxDays: 90 },
  ],
  fetch(env, token, type, window) {
    if (type === 'measures') return measures(env, token, window);
    if (type === 'sleep') return sleep(env, token, window);
    if (type === 'devices') return devices(env, token);
    if (type === 'activity') return dailyActivity(apiOf(env, token), window);
    if (type === 'workouts') return workouts(apiOf(env, token), window);
    if (type === 'intraday') return intraday(apiOf(env, token), window);
    if (type === 'heart') return heartRecordings(apiOf(env, token), window);
    throw new Error(`unknown Withings data type ${type}`);
  },
};
