import type { Knex } from 'knex';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { loadConfig, type Config } from '../config.ts';
import { insertConnection } from '../connections/store.ts';
import { saveStudyMeasurements } from '../study-measurements/store.ts';
import { scheduledJobs } from '../jobs/schedule.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { ProviderId } from '../providers/provider.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { createTestClock, testVault } from '../test/app-deps.ts';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { createUploadArchive } from '../uploads/archive.ts';
import { emptyBatch } from '../wearables/rows.ts';
import { writeBatch } from '../wearables/writer.ts';
import { runSyncCheck, type SyncCheckDeps } from './check.ts';
import { createMailer } from './mailer.ts';
import { saveSyncAlertSettings, listDigests } from './store.ts';

const DAY = 86_400_000;

describe('the daily sync check', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let sink: SmtpSink;
  let config: Config;
  let deps: SyncCheckDeps;
  // One clock for the whole file, only ever moving forward: every test's study shares the database.
  const clock = createTestClock(new Date('2026-11-21T07:00:00.000Z'));

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_sync');
    sink = await startSmtpSink();
    config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      VIGIL_DB_NAME: own.config.database,
      VIGIL_SMTP_URL: sink.url,
      VIGIL_MAIL_FROM: 'Vigil Test <vigil-test@example.org>',
    });
    deps = { db: own.db, config, log: createLogger('silent'), mailer: createMailer(config.mail) };
  });
  afterAll(async () => {
    await sink.close();
    await own.drop();
  });

  const daysAgo = (n: number) => new Date(clock().getTime() - n * DAY);
  const check = () => runSyncCheck(deps, clock());
  const mailsFor = (studyName: string) => sink.received.filter((m) => m.subject.includes(studyName));

  async function connect(
    db: Knex,
    participantId: number,
    provider: ProviderId,
    opts: { status?: 'active' | 'needs_reauth'; reason?: string; connectedAt?: Date } = {}
  ) {
    const connectedAt = opts.connectedAt ?? daysAgo(30);
    return insertConnection(
      db,
      {
        participant_id: participantId,
        provider,
        api: provider,
        status: opts.status ?? 'active',
        status_reason: opts.reason ?? null,
        scopes_requested: '',
        connected_at: connectedAt,
      },
      connectedAt
    );
  }

  /** What a pull writes about a connection's devices, through the pulls' own writer. */
  async function devicesSeen(
    connectionId: number,
    participantId: number,
    provider: ProviderId,
    devices: { id: string; model: string | null; lastSync: Date }[]
  ) {
    const batch = emptyBatch();
    batch.devices = devices.map((d) => ({
      device_id: d.id,
      model: d.model,
      device_type: null,
      battery_pct: null,
      battery_status: null,
      last_sync_at: d.lastSync,
    }));
    await writeBatch(own.db, { connectionId, participantId, source: provider }, batch, clock());
  }

  const episodesOf = (connectionId: number) =>
    own
      .db('sync_alert_episodes')
      .where({ connection_id: connectionId })
      .orderBy('id')
      .select('kind', 'subject', 'started_at', 'last_notified_at', 'resolved_at') as Promise<
      { kind: string; subject: string; started_at: Date; last_notified_at: Date | null; resolved_at: Date | null }[]
    >;

  it('mails one digest per study listing stale devices and re-consent; reports each episode once, then after the reminder interval, and afresh after it resolved', async () => {
    const study = await insertStudy(own.db, {}, clock());
    await saveSyncAlertSettings(
      own.db,
      study.id,
      { recipients: ['nurse@example.org', 'lead@example.org'], staleDeviceDays: null },
      clock()
    );
    const stale = await insertParticipant(own.db, study.id, { label: 'P-stale' }, clock());
    const consent = await insertParticipant(own.db, study.id, { label: 'P-consent' }, clock());
    const fresh = await insertParticipant(own.db, study.id, { label: 'P-fresh' }, clock());
    const switched = await insertParticipant(own.db, study.id, { label: 'P-switched' }, clock());
    const withdrawn = await insertParticipant(own.db, study.id, { label: 'P-withdrawn', status: 'withdrawn' }, clock());

    const staleConn = await connect(own.db, stale.id, 'fitbit');
    await devicesSeen(staleConn, stale.id, 'fitbit', [{ id: 'dev-1', model: 'Charge 6', lastSync: daysAgo(5) }]);
    const consentConn = await connect(own.db, consent.id, 'withings', { status: 'needs_reauth', reason: 'revoked' });
    const freshConn = await connect(own.db, fresh.id, 'polar');
    await devicesSeen(freshConn, fresh.id, 'polar', [{ id: 'polar', model: null, lastSync: daysAgo(1) }]);
    // The old tracker stopped syncing because the patient switched to a new one: nothing to report.
    const switchedConn = await connect(own.db, switched.id, 'fitbit');
    await devicesSeen(switchedConn, switched.id, 'fitbit', [
      { id: 'old', model: 'Inspire 2', lastSync: daysAgo(20) },
      { id: 'new', model: 'Charge 6', lastSync: daysAgo(1) },
    ]);
    const withdrawnConn = await connect(own.db, withdrawn.id, 'fitbit');
    await devicesSeen(withdrawnConn, withdrawn.id, 'fitbit', [{ id: 'w', model: 'Versa', lastSync: daysAgo(9) }]);

    const first = await check();
    expect(first).toMatchObject({ digestsSent: 1, digestsFailed: 0, episodesOpened: 2, mailEnabled: true });
    const [mail, ...more] = mailsFor(study.name);
    expect(more).toEqual([]);
    expect(mail?.from).toBe('vigil-test@example.org');
    expect(mail?.to).toEqual(['nurse@example.org', 'lead@example.org']);
    expect(mail?.subject).toBe(`Vigil: 2 wearables need attention in ${study.name}`);
    expect(mail?.body).toContain('- P-stale: Fitbit (Charge 6), not synced for 5 days.');
    expect(mail?.body).toContain('To do: ask the patient to open the Fitbit app and sync');
    expect(mail?.body).toContain('- P-consent: Withings, needs consent again (no device sync seen yet).');
    expect(mail?.body).toContain('To do: send a new Withings connect link (access was revoked).');
    expect(mail?.body).toContain('<td>P-stale</td><td>Fitbit</td><td>Charge 6</td><td>5</td>');
    for (const quiet of ['P-fresh', 'P-switched', 'P-withdrawn']) expect(mail?.body).not.toContain(quiet);

    const { items } = await listDigests(own.db, study.id, { limit: 10, offset: 0 });
    expect(items).toEqual([
      {
        id: expect.any(Number) as number,
        sentAt: clock(),
        recipients: ['nurse@example.org', 'lead@example.org'],
        error: null,
        episodes: [
          {
            kind: 'needs_consent',
            participantId: consent.id,
            participantLabel: 'P-consent',
            provider: 'withings',
            device: null,
            daysSinceSync: null,
            action: 'send a new Withings connect link (access was revoked)',
          },
          {
            kind: 'stale_device',
            participantId: stale.id,
            participantLabel: 'P-stale',
            provider: 'fitbit',
            device: 'Charge 6',
            daysSinceSync: 5,
            action: 'ask the patient to open the Fitbit app and sync (device charged, Bluetooth on)',
          },
        ],
      },
    ]);
    expect(await episodesOf(staleConn)).toEqual([
      {
        kind: 'stale_device',
        subject: 'Charge 6',
        started_at: clock(),
        last_notified_at: clock(),
        resolved_at: null,
      },
    ]);
    expect((await episodesOf(consentConn)).map((e) => [e.kind, e.subject])).toEqual([['needs_consent', 'revoked']]);
    for (const quiet of [freshConn, switchedConn, withdrawnConn]) expect(await episodesOf(quiet)).toEqual([]);

    // The devices that were fine keep syncing from here on.
    const keepSyncing = async () => {
      await devicesSeen(freshConn, fresh.id, 'polar', [{ id: 'polar', model: null, lastSync: daysAgo(0) }]);
      await devicesSeen(switchedConn, switched.id, 'fitbit', [{ id: 'new', model: 'Charge 6', lastSync: daysAgo(0) }]);
    };

    // The next day, and the day after: the same problems are not mailed again.
    const firstAt = clock();
    for (const day of [1, 2]) {
      clock.set(new Date(firstAt.getTime() + day * DAY + 90_000));
      await keepSyncing();
      expect(await check()).toMatchObject({ episodesOpened: 0 });
      expect(mailsFor(study.name)).toHaveLength(1);
    }

    // A reminder interval (7 days by default) after the first report, both come again, with their
    // current age; this run starts a few seconds earlier in the minute than the first did.
    clock.set(new Date(firstAt.getTime() + 7 * DAY - 5_000));
    await keepSyncing();
    await check();
    expect(mailsFor(study.name)).toHaveLength(2);
    expect(mailsFor(study.name)[1]?.body).toContain('- P-stale: Fitbit (Charge 6), not synced for 11 days.');
    expect(mailsFor(study.name)[1]?.body).toContain('- P-consent: Withings');

    // The tracker syncs: the episode closes, and nothing is mailed about it.
    clock.advance(DAY);
    await devicesSeen(staleConn, stale.id, 'fitbit', [{ id: 'dev-1', model: 'Charge 6', lastSync: daysAgo(0) }]);
    await keepSyncing();
    const resolvedRun = await check();
    expect(resolvedRun.episodesResolved).toBeGreaterThanOrEqual(1);
    expect((await episodesOf(staleConn))[0]?.resolved_at).toEqual(clock());
    expect(mailsFor(study.name)).toHaveLength(2);

    // Stale again three days later: a new episode, reported at once though the last digest was
    // only four days ago; the re-consent episode is not due and stays out of it.
    clock.advance(3 * DAY);
    await keepSyncing();
    await check();
    const episodes = await episodesOf(staleConn);
    expect(episodes).toHaveLength(2);
    expect(episodes[1]).toMatchObject({ started_at: clock(), last_notified_at: clock(), resolved_at: null });
    expect(mailsFor(study.name)).toHaveLength(3);
    const third = mailsFor(study.name)[2];
    expect(third?.subject).toBe(`Vigil: 1 wearable needs attention in ${study.name}`);
    expect(third?.body).toContain('- P-stale: Fitbit (Charge 6), not synced for 3 days.');
    expect(third?.body).not.toContain('P-consent');
  });

  it('lists a Polar consent ending within the warning window (no refresh can renew it), not a refreshable one', async () => {
    clock.advance(DAY);
    const study = await insertStudy(own.db, { name: `Ending ${clock().getTime()}` }, clock());
    await saveSyncAlertSettings(own.db, study.id, { recipients: ['ward@example.org'], staleDeviceDays: null }, clock());
    const ending = await insertParticipant(own.db, study.id, { label: 'E-polar' }, clock());
    const later = await insertParticipant(own.db, study.id, { label: 'E-later' }, clock());
    const refreshed = await insertParticipant(own.db, study.id, { label: 'E-fitbit' }, clock());
    const inDays = (n: number) => new Date(clock().getTime() + n * DAY);
    const endingConn = await connect(own.db, ending.id, 'polar');
    const laterConn = await connect(own.db, later.id, 'polar');
    const fitbitConn = await connect(own.db, refreshed.id, 'fitbit');
    await own
      .db('device_connections')
      .where({ id: endingConn })
      .update({ access_expires_at: inDays(10) });
    await own
      .db('device_connections')
      .where({ id: laterConn })
      .update({ access_expires_at: inDays(20) });
    // A Fitbit access token ends within the hour and is refreshed: nothing for staff to do.
    await own
      .db('device_connections')
      .where({ id: fitbitConn })
      .update({ access_expires_at: inDays(0.04) });
    for (const [conn, p, provider] of [
      [endingConn, ending.id, 'polar'],
      [laterConn, later.id, 'polar'],
      [fitbitConn, refreshed.id, 'fitbit'],
    ] as const) {
      await devicesSeen(conn, p, provider, [{ id: provider, model: null, lastSync: daysAgo(0) }]);
    }

    await check();
    const [mail, ...more] = mailsFor(study.name);
    expect(more).toEqual([]);
    const endsOn = inDays(10).toISOString().slice(0, 10);
    expect(mail?.body).toContain(`- E-polar: Polar, consent ends on ${endsOn}.`);
    expect(mail?.body).toContain(`To do: send a new Polar connect link before ${endsOn}`);
    expect(mail?.body).not.toContain('E-later');
    expect(mail?.body).not.toContain('E-fitbit');
    expect((await episodesOf(endingConn)).map((e) => [e.kind, e.subject])).toEqual([['expires_soon', endsOn]]);

    // Ten days on, the second one is inside the window too; the first, reported more than a
    // reminder interval ago, comes again, its consent ending now.
    clock.advance(10 * DAY);
    for (const [conn, p] of [
      [endingConn, ending.id],
      [laterConn, later.id],
    ] as const) {
      await devicesSeen(conn, p, 'polar', [{ id: 'polar', model: null, lastSync: daysAgo(0) }]);
    }
    await check();
    expect(mailsFor(study.name)).toHaveLength(2);
    expect(mailsFor(study.name)[1]?.body).toContain('- E-later: Polar, consent ends on');
    expect(mailsFor(study.name)[1]?.body).toContain('To do: send a new Polar connect link now');
  });

  it('a refused send leaves its episodes unnotified, recorded with the error, and the next run sends them', async () => {
    clock.advance(DAY);
    const study = await insertStudy(own.db, { name: `Refused ${clock().getTime()}` }, clock());
    await saveSyncAlertSettings(own.db, study.id, { recipients: ['ward@example.org'], staleDeviceDays: 2 }, clock());
    const p = await insertParticipant(own.db, study.id, { label: 'R-1' }, clock());
    const conn = await connect(own.db, p.id, 'polar');
    await devicesSeen(conn, p.id, 'polar', [{ id: 'polar', model: null, lastSync: daysAgo(2) }]);

    sink.refuse(true);
    try {
      expect(await check()).toMatchObject({ digestsFailed: 1 });
    } finally {
      sink.refuse(false);
    }
    expect(mailsFor(study.name)).toEqual([]);
    expect((await episodesOf(conn)).map((e) => e.last_notified_at)).toEqual([null]);
    const failed = await listDigests(own.db, study.id, { limit: 10, offset: 0 });
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]?.error).toMatch(/451/);
    expect(failed.items[0]?.episodes.map((e) => [e.participantLabel, e.device, e.daysSinceSync])).toEqual([
      ['R-1', null, 2],
    ]);

    clock.advance(DAY);
    await check();
    const [mail, ...more] = mailsFor(study.name);
    expect(more).toEqual([]);
    expect(mail?.body).toContain('- R-1: Polar, not synced for 3 days.');
    expect(mail?.body).toContain('open the Polar Flow app');
    expect((await episodesOf(conn)).map((e) => e.last_notified_at)).toEqual([clock()]);
    const after = await listDigests(own.db, study.id, { limit: 10, offset: 0 });
    expect(after.items.map((d) => d.error)).toEqual([null, failed.items[0]?.error]);
    expect(after.total).toBe(2);
  });

  it('a study without recipients gets no mail but its episodes are recorded, and reported once someone is added', async () => {
    clock.advance(DAY);
    const study = await insertStudy(own.db, { name: `Nobody ${clock().getTime()}` }, clock());
    const p = await insertParticipant(own.db, study.id, { label: 'N-1' }, clock());
    // Connected four days ago and no device has synced since.
    const conn = await connect(own.db, p.id, 'withings', { connectedAt: daysAgo(4) });
    // Vigil's own pulls fail too: staff should know before they call the patient.
    await own.db('wearable_sync_state').insert({
      connection_id: conn,
      last_pull_at: daysAgo(0.1),
      last_error: 'HTTP 503 from Withings',
      last_error_at: daysAgo(0.1),
      updated_at: daysAgo(0.1),
    });

    const run = await check();
    expect(run.episodesUnsent).toBeGreaterThanOrEqual(1);
    expect(mailsFor(study.name)).toEqual([]);
    expect(await episodesOf(conn)).toEqual([
      {
        kind: 'stale_device',
        subject: 'no device seen',
        started_at: clock(),
        last_notified_at: null,
        resolved_at: null,
      },
    ]);
    expect((await listDigests(own.db, study.id, { limit: 10, offset: 0 })).total).toBe(0);

    clock.advance(DAY);
    await saveSyncAlertSettings(own.db, study.id, { recipients: ['pi@example.org'], staleDeviceDays: null }, clock());
    await check();
    const [mail] = mailsFor(study.name);
    expect(mail?.body).toContain('- N-1: Withings, no device sync seen yet.');
    expect(mail?.body).toContain(`no sync seen since it was connected on ${daysAgo(5).toISOString().slice(0, 10)}`);
    expect(mail?.body).toContain(
      "but Vigil's last pull failed too (HTTP 503 from Withings): check the connection's sync health first"
    );
  });

  it('two processes checking at once send one digest', async () => {
    clock.advance(DAY);
    const study = await insertStudy(own.db, { name: `Twice ${clock().getTime()}` }, clock());
    await saveSyncAlertSettings(
      own.db,
      study.id,
      { recipients: ['twice@example.org'], staleDeviceDays: null },
      clock()
    );
    const p = await insertParticipant(own.db, study.id, { label: 'T-1' }, clock());
    const conn = await connect(own.db, p.id, 'fitbit');
    await devicesSeen(conn, p.id, 'fitbit', [{ id: 't', model: 'Sense', lastSync: daysAgo(6) }]);

    const runs = await Promise.all([check(), check()]);
    expect(runs.map((r) => r.episodesOpened).sort()).toEqual([0, 1]);
    expect(mailsFor(study.name)).toHaveLength(1);
    expect(await episodesOf(conn)).toHaveLength(1);
  });

  it('lists a measurement the study added after the consent until a new consent grants it', async () => {
    clock.advance(DAY);
    const study = await insertStudy(own.db, { name: `Gap ${clock().getTime()}` }, clock());
    await saveSyncAlertSettings(own.db, study.id, { recipients: ['gap@example.org'], staleDeviceDays: null }, clock());
    await saveStudyMeasurements(own.db, study.id, ['heart_rate'], clock());
    const p = await insertParticipant(own.db, study.id, { label: 'G-1' }, clock());
    const conn = await connect(own.db, p.id, 'withings');
    await own
      .db('device_connections')
      .where({ id: conn })
      .update({ scopes_granted: 'user.info user.metrics user.activity' });
    await devicesSeen(conn, p.id, 'withings', [{ id: 'w-1', model: 'ScanWatch', lastSync: daysAgo(0) }]);
    expect(await check()).toMatchObject({ episodesOpened: 0 });

    // Sleep needs user.sleepevents, never asked; blood pressure's user.metrics was.
    await saveStudyMeasurements(own.db, study.id, ['heart_rate', 'sleep', 'blood_pressure'], clock());
    await check();
    expect(mailsFor(study.name)).toHaveLength(1);
    expect(mailsFor(study.name)[0]?.body).toContain('- G-1: Withings (ScanWatch), needs a new consent for: Sleep.');
    expect(mailsFor(study.name)[0]?.body).toContain('To do: send a new Withings connect link: the study added Sleep');
    expect((await episodesOf(conn)).map((e) => [e.kind, e.subject])).toEqual([['consent_gap', 'sleep']]);

    clock.advance(DAY);
    await devicesSeen(conn, p.id, 'withings', [{ id: 'w-1', model: 'ScanWatch', lastSync: daysAgo(0) }]);
    await own
      .db('device_connections')
      .where({ id: conn })
      .update({ scopes_granted: 'user.info user.metrics user.activity user.sleepevents' });
    expect(await check()).toMatchObject({ episodesResolved: 1 });
    expect((await episodesOf(conn)).map((e) => e.resolved_at)).toEqual([clock()]);
  });

  it('runs as the scheduled job on the configured schedule', async () => {
    clock.advance(DAY);
    const study = await insertStudy(own.db, { name: `Scheduled ${clock().getTime()}` }, clock());
    await saveSyncAlertSettings(own.db, study.id, { recipients: ['job@example.org'], staleDeviceDays: null }, clock());
    const p = await insertParticipant(own.db, study.id, { label: 'J-1' }, clock());
    await connect(own.db, p.id, 'fitbit', { status: 'needs_reauth', reason: 'legacy_api_gone' });

    const vault = testVault();
    const jobs = scheduledJobs({
      ...deps,
      config: { ...config, syncAlerts: { ...config.syncAlerts, schedule: '30 6 * * *' } },
      clock,
      vault,
      // Only the purge job touches the archive, and it is not run here.
      archive: createUploadArchive({
        db: own.db,
        vault,
        store: createLocalArchiveStore(join(tmpdir(), 'vigil-unused')),
      }),
      metrics: createMetrics(),
    });
    const job = jobs.find((j) => j.name === 'sync-health-digests');
    expect(job?.cron).toBe('30 6 * * *');
    await job?.run();
    expect(mailsFor(study.name).map((m) => m.body.includes('- J-1: Fitbit, needs consent again'))).toEqual([true]);
  });

  it('with mail off, episodes are still recorded and nothing counts as notified', async () => {
    clock.advance(DAY);
    const study = await insertStudy(own.db, { name: `Off ${clock().getTime()}` }, clock());
    await saveSyncAlertSettings(own.db, study.id, { recipients: ['off@example.org'], staleDeviceDays: null }, clock());
    const p = await insertParticipant(own.db, study.id, { label: 'O-1' }, clock());
    const conn = await connect(own.db, p.id, 'fitbit', { status: 'needs_reauth', reason: 'expired' });

    const off = { ...deps, mailer: createMailer({ smtpUrl: undefined, from: config.mail.from }) };
    const run = await runSyncCheck(off, clock());
    expect(run).toMatchObject({ mailEnabled: false, digestsSent: 0, digestsFailed: 0 });
    expect(run.episodesUnsent).toBeGreaterThanOrEqual(1);
    expect((await episodesOf(conn)).map((e) => [e.kind, e.last_notified_at])).toEqual([['needs_consent', null]]);
    expect(mailsFor(study.name)).toEqual([]);
  });
});
