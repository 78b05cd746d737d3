import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import type { createApp } from '../app.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import { testFromNow as test } from '../test/fixtures.ts';
import { encryptTextFile } from '../test/phone-emulator/encrypt.ts';

type Query = { sql: string };
type App = ReturnType<typeof createApp>;

/** The statements `run` sends, as knex reports them (a transaction's BEGIN and COMMIT included). */
async function statementsOf(db: Knex, run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (q: Query) => seen.push(q.sql);
  db.on('query', listen);
  try {
    await run();
  } finally {
    db.off('query', listen);
  }
  return seen;
}

/** A registered emulated phone of a new participant, talking to `app` in-process. */
async function registeredPhone(app: App, label: string) {
  const { phone, participant } = await enrolledPhone(app, { label });
  await phone.register();
  return { phone, participantId: participant.id };
}

/**
 * What one upload costs the database besides authenticating (the rate-limit counters and the
 * phone's lookup): its bookkeeping (the attempt, the upload's row and its job, one commit) is one
 * round trip, the `receive_upload` procedure, instead of BEGIN, three statements and COMMIT; an
 * attempt that stores no upload is one too, `record_upload_attempt`, instead of two.
 */
describe('the bookkeeping of one upload', () => {
  test('is one round trip with its commit, the phone looked up once', async ({ app, db }) => {
    const { phone, participantId } = await registeredPhone(app, 'st_1');
    const upload = (n: number) => {
      const t = Date.now() - 60_000 + n;
      return phone.upload(
        `${phone.patientId}_accel_${t}.csv`,
        encryptTextFile(['timestamp,accuracy,x,y,z', `${t},unknown,0.1,0.2,9.8`], phone.publicKey!)
      );
    };

    // The first upload of this process also checks the device history, in the same call.
    for (const n of [0, 1]) {
      let status = 0;
      const sent = await statementsOf(db, async () => (status = (await upload(n)).status));
      expect(status).toBe(200);
      const own = sent.filter((sql) => !sql.includes('`rate_limits`'));
      const lookups = own.filter((sql) => sql.includes('`beiwe_participants` as `b`'));
      expect(lookups).toHaveLength(1);
      const bookkeeping = own.filter((sql) => !lookups.includes(sql));
      expect(bookkeeping, bookkeeping.join('\n')).toEqual([expect.stringMatching(/^CALL receive_upload\(/)]);
      // The request count and the address's failures are one autocommitted statement, not a
      // transaction of four and a read of rate-limiter-flexible's.
      const counted = sent.filter((sql) => sql.includes('`rate_limits`'));
      expect(counted, counted.join('\n')).toHaveLength(1);
      expect(counted[0]).toMatch(/^INSERT INTO .* ON DUPLICATE KEY UPDATE points = LAST_INSERT_ID/s);
      expect(counted[0]).toContain('AS f WHERE f.`key` = ?');
      // All told: the count, the lookup and the call.
      expect(sent, sent.join('\n')).toHaveLength(3);
    }
    const jobs = (await db('upload_jobs as j')
      .join('uploads as u', 'u.id', 'j.upload_id')
      .where({ 'u.participant_id': participantId, 'u.stream': 'accelerometer' })
      .pluck('j.id')) as number[];
    expect(jobs).toHaveLength(2);
  });

  test('is one round trip when no upload is stored, the history checked in it', async ({ app, db }) => {
    const { phone, participantId } = await registeredPhone(app, 'st_2');
    const lastUpload = async () =>
      (
        (await db('beiwe_participants').where({ participant_id: participantId }).first('last_upload_at')) as {
          last_upload_at: Date | null;
        }
      ).last_upload_at;
    expect(await lastUpload()).toBeNull();

    // An empty file is not stored (the phone is told to delete it); this process has not seen the phone's report.
    const sent = await statementsOf(db, async () => {
      const res = await phone.upload(`${phone.patientId}_accel_${Date.now() - 60_000}.csv`, new Uint8Array(0));
      expect([res.status, res.body]).toEqual([200, "file was bad due to 'The file had no data in it.', delete it."]);
    });
    const bookkeeping = sent.filter(
      (sql) => !sql.includes('`rate_limits`') && !sql.includes('`beiwe_participants` as `b`')
    );
    expect(bookkeeping, bookkeeping.join('\n')).toEqual([expect.stringMatching(/^CALL record_upload_attempt\(/)]);
    // All told: the count, the lookup and the call.
    expect(sent, sent.join('\n')).toHaveLength(3);
    expect(await lastUpload()).toBeInstanceOf(Date);
  });
});
