import { z } from 'zod';
import { withingsCall } from '../../providers/withings/api.ts';
import { DEFAULT_QUOTAS } from '../budget.ts';
import type { Batch, BodyRow, SleepStage } from '../rows.ts';
import { emptyBatch } from '../rows.ts';
import { offsetMinutes, utcDate } from '../time.ts';
import type { DataSource, PullEnv, Window } from './source.ts';
import { WHOLE_RANGE } from './source.ts';

/**
 * Withings (wearable-apis.md §4.4): measures, sleep summaries, sleep detail and devices, each a
 * form POST whose outcome is the body's `status`, paged with `more`/`offset`. The 120 calls per
 * minute are the whole application's, so every call draws on one app-wide budget.
 */

const MAX_PAGES = 500;
const MEASTYPES = '1,6,8,9,10,11,12,54,71,73';
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

const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));
const fromEpoch = (s: number) => new Date(s * 1000);

const Measures = z.object({
  timezone: z.string().optional(),
  measuregrps: z.array(
    z.object({
      date: z.number(),
      model: z.string().nullish(),
      deviceid: z.string().nullish(),
      measures: z.array(z.object({ value: z.number(), type: z.number(), unit: z.number() })),
    })
  ),
});

const BODY_COLUMNS: Partial<Record<number, keyof BodyRow>> = {
  1: 'weight_kg',
  6: 'fat_ratio_pct',
  8: 'fat_mass_kg',
  9: 'diastolic_mmhg',
  10: 'systolic_mmhg',
  12: 'temperature_c',
  71: 'temperature_c',
};

/** Real value = value × 10^unit (§4.4), rounded away from binary noise. */
const real = (m: { value: number; unit: number }) => Number((m.value * 10 ** m.unit).toPrecision(12));

async function measures(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const params = {
    action: 'getmeas',
    meastypes: MEASTYPES,
    category: '1',
    startdate: seconds(w.from),
    enddate: seconds(w.to),
  };
  for (const raw of await paged(env, '/measure', params, token)) {
    const body = Measures.parse(raw);
    const zone = body.timezone ?? env.timeZone;
    for (const g of body.measuregrps) {
      const at = fromEpoch(g.date);
      const stamp = { device: g.model ?? g.deviceid ?? null, utc_offset_min: offsetMinutes(zone, at) };
      const row: BodyRow = { ...stamp, measured_at: at };
      let hasBody = false;
      for (const m of g.measures) {
        const column = BODY_COLUMNS[m.type];
        if (column) {
          (row as Record<string, unknown>)[column] = real(m);
          hasBody = true;
        } else if (m.type === 11) b.heartRate.push({ ...stamp, context: 'spot', measured_at: at, bpm: real(m) });
        else if (m.type === 54) b.spo2.push({ ...stamp, measured_at: at, spo2_pct: real(m) });
      }
      if (hasBody) b.body.push(row);
    }
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
    startdateymd: utcDate(w.from),
    enddateymd: utcDate(new Date(w.to.getTime() - 1)),
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
    })
  ),
});

/**
 * Sleep detail: state segments with heart rate and respiration keyed by epoch second. Segments
 * belong to the summary night that contains them (summaries are read first in every pull).
 */
async function detail(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const params = { action: 'get', startdate: seconds(w.from), enddate: seconds(w.to), data_fields: 'hr,rr' };
  const nights = (await env
    .db('sleep_sessions')
    .where({ connection_id: env.connectionId, source: 'withings' })
    .where('end_at', '>', new Date(w.from.getTime() - 86_400_000))
    .where('start_at', '<', new Date(w.to.getTime() + 86_400_000))
    .select('session_id', 'start_at', 'end_at', 'utc_offset_min')) as {
    session_id: string;
    start_at: Date;
    end_at: Date;
    utc_offset_min: number;
  }[];
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
    }
  }
  return b;
}

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

export const withingsSource: DataSource = {
  types: [
    { name: 'measures', maxDays: 90 },
    { name: 'sleepSummary', maxDays: 90 },
    // "Only the first 24 h" of a sleep-detail range are served (§4.4).
    { name: 'sleepDetail', maxDays: 1 },
    { name: 'devices', maxDays: WHOLE_RANGE },
  ],
  fetch(env, token, type, window) {
    if (type === 'measures') return measures(env, token, window);
    if (type === 'sleepSummary') return summaries(env, token, window);
    if (type === 'sleepDetail') return detail(env, token, window);
    if (type === 'devices') return devices(env, token);
    throw new Error(`unknown Withings data type ${type}`);
  },
};
