import type { Knex } from 'knex';
import { ACTIVITY_FEATURES, activityFeatures } from './activity.ts';
import { ADHERENCE_FEATURES, dayAdherence, type TimingRow } from './adherence.ts';
import { addDays, dayWindow, type DayWindow } from './local-time.ts';
import { HOME_WINDOW_DAYS, MAX_GAP_MS, MOBILITY_FEATURES, dayMobility, learnHome, type Fix } from './mobility.ts';
import { SOCIABILITY_FEATURES, daySociability, type CallRow, type TextRow } from './sociability.ts';
import { WEARABLE_SOURCE_FEATURES, wearableFeatures } from './wearables.ts';

/** Bumped whenever a definition changes (docs/features.md says what each version means). */
export const FEATURE_VERSION = 1;
/** Jasmine drops fixes less accurate than this (its `accuracylim`). */
const MAX_ACCURACY_M = 51;
const PHONE = 'phone';
const DAY_MS = 86_400_000;

export type FeatureRow = {
  participant_id: number;
  day: string;
  feature: string;
  source: string;
  value: number | null;
  coverage: number | null;
  version: number;
  computed_at: Date;
};

/** `logs`: the phone keeps call and text logs (Android); iOS and a participant without a phone have none. */
type Owner = { timezone: string; logs: boolean };

async function ownerOf(db: Knex, participantId: number): Promise<Owner | undefined> {
  const row = (await db('participants as p')
    .join('studies as s', 's.id', 'p.study_id')
    .leftJoin('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.id', participantId)
    .first('s.timezone', 'b.os_type')) as { timezone: string; os_type: string | null } | undefined;
  return row && { timezone: row.timezone, logs: row.os_type === 'ANDROID' };
}

/**
 * Recomputes and stores every feature of a participant's `days` (local `YYYY-MM-DD`). Mobility is
 * also recomputed for the day before each (a segment across midnight belongs to both) and the
 * `HOME_WINDOW_DAYS - 1` after it that hold GPS (their home is learned from nights including it),
 * so a late upload leaves every day as a rebuild would. Returns the rows written.
 */
export async function computeParticipantDays(
  db: Knex,
  participantId: number,
  days: readonly string[],
  now: Date
): Promise<number> {
  if (days.length === 0) return 0;
  const owner = await ownerOf(db, participantId);
  if (!owner) return 0;
  const { timezone } = owner;
  const sorted = [...new Set(days)].sort();
  const windows = new Map(sorted.map((d) => [d, dayWindow(d, timezone)]));
  const rows: FeatureRow[] = [];
  const row = (day: string, feature: string, source: string, value: number | null, coverage: number | null) =>
    rows.push({
      participant_id: participantId,
      day,
      feature,
      source,
      value: value === null || Number.isFinite(value) ? value : null,
      coverage,
      version: FEATURE_VERSION,
      computed_at: now,
    });

  await mobility(db, participantId, sorted, timezone, row);

  const from = windows.get(sorted[0]!)!.start;
  const to = windows.get(sorted.at(-1)!)!.end;
  const [calls, texts, timings] = owner.logs
    ? await Promise.all([
        callRows(db, participantId, from, to),
        textRows(db, participantId, from, to),
        timingRows(db, participantId, from, to),
      ])
    : [[], [], await timingRows(db, participantId, from, to)];
  for (const [day, w] of windows) {
    const inDay = <T extends { t: number }>(xs: readonly T[]) => xs.filter((x) => x.t >= w.start && x.t < w.end);
    // Without call and text logs (iOS) the day has no sociability row at all: "not collected", never
    // zeros that read as "nobody called".
    if (owner.logs) {
      const social = daySociability(inDay(calls), inDay(texts));
      for (const f of SOCIABILITY_FEATURES) row(day, f, PHONE, social[f], 1);
    }
    const adherence = dayAdherence(inDay(timings));
    for (const f of ADHERENCE_FEATURES) row(day, f, PHONE, adherence[f], 1);
  }
  for (const a of await activityFeatures(db, participantId, windows))
    for (const f of ACTIVITY_FEATURES) row(a.day, f, PHONE, a.features[f], a.coverage);
  const wearable = await wearableFeatures(db, participantId, [...windows.values()]);
  for (const w of wearable) row(w.day, w.feature, w.source, w.value, w.coverage);

  await db.transaction(async (trx) => {
    // Sources a day no longer has (a disconnected wearable re-read empty) leave no stale rows.
    await trx('daily_features')
      .where({ participant_id: participantId })
      .whereIn('day', sorted)
      .whereIn('feature', WEARABLE_SOURCE_FEATURES)
      .whereNot('source', PHONE)
      .delete();
    if (!owner.logs)
      await trx('daily_features')
        .where({ participant_id: participantId, source: PHONE })
        .whereIn('day', sorted)
        .whereIn('feature', SOCIABILITY_FEATURES)
        .delete();
    rows.sort(
      (a, b) => a.feature.localeCompare(b.feature) || a.source.localeCompare(b.source) || a.day.localeCompare(b.day)
    );
    for (let i = 0; i < rows.length; i += 1000) {
      await trx('daily_features')
        .insert(rows.slice(i, i + 1000))
        .onConflict(['participant_id', 'feature', 'source', 'day'])
        .merge(['value', 'coverage', 'version', 'computed_at']);
    }
  });
  return rows.length;
}

/** Mobility rows for the days and their neighbours (see computeParticipantDays). */
async function mobility(
  db: Knex,
  participantId: number,
  days: readonly string[],
  timeZone: string,
  row: (day: string, feature: string, source: string, value: number | null, coverage: number | null) => void
): Promise<void> {
  const first = addDays(days[0]!, -HOME_WINDOW_DAYS);
  const last = addDays(days.at(-1)!, HOME_WINDOW_DAYS - 1);
  const from = dayWindow(first, timeZone).start - MAX_GAP_MS;
  const to = dayWindow(last, timeZone).end + MAX_GAP_MS;
  const fixes = (
    (await db('gps_minutes')
      .where({ participant_id: participantId })
      .where('minute', '>=', new Date(from - 60_000))
      .where('minute', '<', new Date(to))
      .where('accuracy_m', '<=', MAX_ACCURACY_M)
      .orderBy('minute')
      .select('first_t', 'latitude', 'longitude')) as { first_t: Date; latitude: number; longitude: number }[]
  ).map((r): Fix => ({ t: r.first_t.getTime(), lat: r.latitude, lon: r.longitude }));
  const asked = new Set(days);
  const targets = new Set<string>();
  for (const d of days) {
    for (let i = -1; i < HOME_WINDOW_DAYS; i++) targets.add(addDays(d, i));
  }
  for (const day of [...targets].sort()) {
    const w: DayWindow = dayWindow(day, timeZone);
    // Neighbours are recomputed only where there is something to recompute.
    if (!asked.has(day) && !fixes.some((f) => f.t >= w.start - MAX_GAP_MS && f.t < w.end + MAX_GAP_MS)) continue;
    const around = fixes.filter((f) => f.t >= w.start - DAY_MS * HOME_WINDOW_DAYS && f.t < w.end + MAX_GAP_MS);
    const home = learnHome(around, day, timeZone);
    const { features, coverage } = dayMobility(
      around.filter((f) => f.t >= w.start - MAX_GAP_MS),
      w,
      home,
      timeZone
    );
    for (const f of MOBILITY_FEATURES) row(day, f, PHONE, features[f], coverage);
  }
}

async function callRows(db: Knex, participantId: number, from: number, to: number): Promise<CallRow[]> {
  const rows = (await db('calls')
    .where({ participant_id: participantId })
    .where('t', '>=', new Date(from))
    .where('t', '<', new Date(to))
    .select('t', 'hashed_phone_number', 'call_type', 'duration_s')) as {
    t: Date;
    hashed_phone_number: string;
    call_type: string;
    duration_s: number;
  }[];
  return rows.map((r) => ({
    t: r.t.getTime(),
    hash: r.hashed_phone_number,
    type: r.call_type,
    durationS: r.duration_s,
  }));
}

async function textRows(db: Knex, participantId: number, from: number, to: number): Promise<TextRow[]> {
  const rows = (await db('texts')
    .where({ participant_id: participantId })
    .where('t', '>=', new Date(from))
    .where('t', '<', new Date(to))
    .select('t', 'hashed_phone_number', 'sent_vs_received', 'message_length')) as {
    t: Date;
    hashed_phone_number: string;
    sent_vs_received: string;
    message_length: number | null;
  }[];
  return rows.map((r) => ({
    t: r.t.getTime(),
    hash: r.hashed_phone_number,
    direction: r.sent_vs_received,
    length: r.message_length,
  }));
}

async function timingRows(db: Knex, participantId: number, from: number, to: number): Promise<TimingRow[]> {
  const rows = (await db('survey_timings')
    .where({ participant_id: participantId })
    .where('t', '>=', new Date(from))
    .where('t', '<', new Date(to))
    .orderBy('t')
    .select('t', 'survey_id', 'event')) as { t: Date; survey_id: string; event: string | null }[];
  return rows.map((r) => ({ t: r.t.getTime(), surveyId: r.survey_id, event: r.event }));
}
