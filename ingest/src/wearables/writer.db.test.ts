import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { insertConnection } from '../connections/store.ts';
import type { ProviderId } from '../providers/provider.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { test } from '../test/fixtures.ts';
import { emptyBatch, type HeartRateRow } from './rows.ts';
import { writeBatch, type Owner } from './writer.ts';

/**
 * The per-minute heart-rate rollup the participant dashboard reads stays equal to a GROUP BY over
 * the readings however a provider re-sends, corrects and extends them.
 */
const now = new Date('2026-11-20T12:00:00.000Z');
const at = (iso: string) => new Date(`${iso}Z`);

function reading(iso: string, bpm: number, context: HeartRateRow['context'] = 'intraday'): HeartRateRow {
  return { device: 'Charge 6', utc_offset_min: 60, context, measured_at: at(iso), bpm };
}

/** A reading every 15 s from `fromIso` for `minutes` minutes, bpm from `bpmAt`. */
function every15s(fromIso: string, minutes: number, bpmAt: (k: number) => number): HeartRateRow[] {
  const from = at(fromIso).getTime();
  return Array.from({ length: minutes * 4 }, (_, k) => ({
    ...reading(fromIso, bpmAt(k)),
    measured_at: new Date(from + k * 15_000),
  }));
}

const write = (db: Knex, owner: Owner, heartRate: HeartRateRow[]) =>
  writeBatch(db, owner, { ...emptyBatch(), heartRate }, now);

type Minute = {
  participant_id: number;
  source: string;
  minute: Date;
  n: number;
  sum: number;
  min: number;
  max: number;
};

async function rollup(db: Knex, participantIds: number[]): Promise<Minute[]> {
  return (await db('heart_rate_minutes')
    .whereIn('participant_id', participantIds)
    .orderBy(['participant_id', 'source', 'minute'])
    .select(
      'participant_id',
      'source',
      'minute',
      'n',
      'bpm_sum as sum',
      'bpm_min as min',
      'bpm_max as max'
    )) as Minute[];
}

/** The same figures straight from the readings, bucketed in JavaScript rather than by the rollup's SQL. */
async function fromReadings(db: Knex, participantIds: number[]): Promise<Minute[]> {
  const readings = (await db('heart_rate')
    .whereIn('participant_id', participantIds)
    .select('participant_id', 'source', 'measured_at', 'bpm')) as {
    participant_id: number;
    source: string;
    measured_at: Date;
    bpm: number;
  }[];
  const minutes = new Map<string, Minute>();
  for (const r of readings) {
    const minute = new Date(Math.floor(r.measured_at.getTime() / 60_000) * 60_000);
    const key = `${r.participant_id}|${r.source}|${minute.getTime()}`;
    const m = minutes.get(key);
    if (m) {
      m.n += 1;
      m.sum += r.bpm;
      m.min = Math.min(m.min, r.bpm);
      m.max = Math.max(m.max, r.bpm);
    } else {
      minutes.set(key, {
        participant_id: r.participant_id,
        source: r.source,
        minute,
        n: 1,
        sum: r.bpm,
        min: r.bpm,
        max: r.bpm,
      });
    }
  }
  return [...minutes.values()].sort(
    (a, b) =>
      a.participant_id - b.participant_id || a.source.localeCompare(b.source) || a.minute.getTime() - b.minute.getTime()
  );
}

describe('the per-minute heart-rate rollup kept by the wearable writer', () => {
  test('equals the readings per participant, wearable and minute after re-sends, corrections and new readings', async ({
    db,
  }) => {
    const study = await insertStudy(db, {}, now);
    const patient = await insertParticipant(db, study.id, {}, now);
    const other = await insertParticipant(db, study.id, {}, now);
    const connect = async (participantId: number, provider: ProviderId, status: 'active' | 'disconnected') => ({
      connectionId: await insertConnection(
        db,
        { participant_id: participantId, provider, api: provider, status, scopes_requested: 'all' },
        now
      ),
      participantId,
      source: provider,
    });
    // The patient's earlier Fitbit account: its readings count with the current one's, as on the raw table.
    const oldFitbit = await connect(patient.id, 'fitbit', 'disconnected');
    const fitbit = await connect(patient.id, 'fitbit', 'active');
    const withings = await connect(patient.id, 'withings', 'active');
    const otherFitbit = await connect(other.id, 'fitbit', 'active');
    const ids = [patient.id, other.id];

    await write(db, oldFitbit, [reading('2026-11-20T10:01:50.000', 140)]);
    await write(db, fitbit, [
      ...every15s('2026-11-20T10:00:00.000', 5, (k) => 60 + ((k * 7) % 23)),
      // Sleep readings at the same instants as intraday ones are readings of their own.
      reading('2026-11-20T10:02:00.000', 58, 'sleep'),
      reading('2026-11-20T10:02:30.500', 57, 'sleep'),
    ]);
    // Spot readings hours and days apart, in one batch.
    await write(db, withings, [
      reading('2026-11-20T10:02:10.000', 72, 'spot'),
      reading('2026-11-20T13:30:59.999', 75, 'spot'),
      reading('2026-11-22T08:00:00.000', 70, 'spot'),
    ]);
    await write(
      db,
      otherFitbit,
      every15s('2026-11-20T10:00:00.000', 3, () => 90)
    );
    expect(await rollup(db, ids)).toEqual(await fromReadings(db, ids));

    const patientMinute = async (source: string, iso: string) =>
      (await rollup(db, [patient.id])).find((m) => m.source === source && m.minute.getTime() === at(iso).getTime());
    // 10:02: four intraday readings (60 + (k * 7) % 23 for k = 8..11), two sleep readings.
    expect(await patientMinute('fitbit', '2026-11-20T10:02:00.000')).toMatchObject({
      n: 6,
      sum: 70 + 77 + 61 + 68 + 58 + 57,
      min: 57,
      max: 77,
    });

    // The provider re-reads the last three minutes: it re-sends most readings unchanged, corrects
    // two (one becomes the minute's new maximum, one its new minimum), adds a late reading to 10:02
    // and carries on to 10:06.
    const resent = every15s('2026-11-20T10:02:00.000', 5, (k) => 60 + ((k * 7 + 56) % 23)).map((r) =>
      r.measured_at.getTime() === at('2026-11-20T10:02:15.000').getTime()
        ? { ...r, bpm: 131 }
        : r.measured_at.getTime() === at('2026-11-20T10:03:45.000').getTime()
          ? { ...r, bpm: 41 }
          : r
    );
    await write(db, fitbit, [...resent, reading('2026-11-20T10:02:59.999', 66)]);
    await write(db, withings, [reading('2026-11-20T13:30:59.999', 79, 'spot')]);

    expect(await rollup(db, ids)).toEqual(await fromReadings(db, ids));
    expect(await patientMinute('fitbit', '2026-11-20T10:02:00.000')).toMatchObject({
      n: 7,
      sum: 70 + 131 + 61 + 68 + 58 + 57 + 66,
      min: 57,
      max: 131,
    });
    expect(await patientMinute('fitbit', '2026-11-20T10:03:00.000')).toMatchObject({ n: 4, min: 41 });
    expect(await patientMinute('fitbit', '2026-11-20T10:06:00.000')).toMatchObject({ n: 4 });
    expect(await patientMinute('withings', '2026-11-20T13:30:00.000')).toMatchObject({ n: 1, sum: 79 });
    expect(await patientMinute('fitbit', '2026-11-20T10:01:00.000')).toMatchObject({ n: 5, max: 140 });
    expect((await rollup(db, [other.id])).map((m) => m.n)).toEqual([4, 4, 4]);

    // Deleting a participant (as the retention purge does) takes their minutes with them.
    await db('participants').where({ id: patient.id }).delete();
    expect(await rollup(db, ids)).toEqual(await fromReadings(db, ids));
    expect(await rollup(db, [patient.id])).toEqual([]);
  });
});
