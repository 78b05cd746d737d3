import type { Knex } from 'knex';
import type { DeviceSettings } from '../study-config/device-settings-schema.ts';
import { STREAM_TABLES } from './catalog.ts';
import { refreshDataQuantity } from './data-quantity.ts';
import { dayStart, localDay, type LocalDay } from './local-days.ts';
import { rollUpGps, rollUpMotion } from './rollups.ts';

/**
 * Recomputes the per-minute rollups and the daily data quantity from the raw tables, for every
 * participant (or one). Only what raw rows cover is rewritten: rollups of days whose raw rows
 * retention already dropped are history and are kept.
 */
export async function rebuildSummaries(
  db: Knex,
  settingsFor: (db: Knex, studyId: number) => Promise<DeviceSettings>,
  options: { participantId?: number } = {}
): Promise<{ participants: number; streams: number; days: number }> {
  const participants = (await db('participants as p')
    .join('studies as s', 's.id', 'p.study_id')
    .modify((q) => void (options.participantId !== undefined && q.where('p.id', options.participantId)))
    .select('p.id', 'p.study_id', 's.timezone')) as { id: number; study_id: number; timezone: string }[];
  let streams = 0;
  let days = 0;
  for (const p of participants) {
    const settings = await settingsFor(db, p.study_id);
    for (const [stream, def] of Object.entries(STREAM_TABLES)) {
      const [extent] = (await db(def.table).where({ participant_id: p.id }).min({ from: 't' }).max({ to: 't' })) as {
        from: Date | null;
        to: Date | null;
      }[];
      if (!extent?.from || !extent.to) continue;
      const range = { from: extent.from, to: new Date(extent.to.getTime() + 60_000) };
      await db.transaction(async (trx) => {
        if (def.rollup === 'motion') await rollUpMotion(trx, stream, p.id, range);
        if (def.rollup === 'gps') await rollUpGps(trx, p.id, range);
        const touched = everyDay(extent.from!, extent.to!, p.timezone);
        await refreshDataQuantity(trx, { participantId: p.id, streams: [{ stream, def, days: touched }], settings });
        days += touched.length;
      });
      streams++;
    }
  }
  return { participants: participants.length, streams, days };
}

function everyDay(from: Date, to: Date, timeZone: string): LocalDay[] {
  const days: LocalDay[] = [];
  const last = localDay(to, timeZone);
  for (let day = localDay(from, timeZone); ;) {
    const start = dayStart(day, timeZone);
    const next = localDay(new Date(start.getTime() + 36 * 3_600_000), timeZone);
    days.push({ day, start, end: dayStart(next, timeZone) });
    if (day >= last) return days;
    day = next;
  }
}
