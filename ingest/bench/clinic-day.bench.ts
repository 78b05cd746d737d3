/**
 * A clinic's day (issue 15, Quotas) — `node --import tsx bench/clinic-day.bench.ts
 * [--connections=1000] [--vendors=polar,withings,fitbit] [--notifications=off,on] [--tick=1] [--hours=24]
 * [--runners=N]`.
 *
 * `connections` connections per vendor, each device uploading a reading every hour (at a minute of
 * its own), are pulled for 24 hours by the scheduler's path: planPulls and runDuePullJobs every
 * `tick` minutes of an injected clock, with the default settings (hourly polls, each vendor's
 * minimum minutes), vendor notifications off, then on (each upload notifies: Withings and Google
 * once, Polar once per data type). The clock only moves by the ticks and the budgets' waits, so a
 * day runs in minutes; the simulators answer at once and each call is counted as 100 ms of a
 * runner's time (`VIGIL_WEARABLES_PULL_CONCURRENCY` runners), which gives the modelled runner
 * load. Peaks of every quota window are read from the simulators' call logs (sliding windows).
 * Left behind: jobs due or running at the end of the day, and connections whose cursors are short
 * of an upload older than the vendor's pull interval (a newer one waits for its next pull by design).
 *
 * Every call a vendor counts against a quota is counted: Withings counts its OAuth calls (token
 * refreshes) against the app's 120 a minute, so they are in its peaks; Google's and Polar's token
 * endpoints are on other hosts, outside the data quotas. `--hours` runs a shorter day (each
 * vendor's pulls repeat every few hours, so the per-minute and 15-minute peaks are those of the
 * whole day; per-day figures are then scaled to 24 h, and say so). A run must last past the
 * first pull after the daily one (its devices upload during the hour after midnight): at 1 hour
 * Google's only pull is the daily one, which finds nothing new, so use 3 hours or more. `--runners` runs more jobs at
 * once in this process than the configured runners (the bench is bound by database round trips);
 * the clock only moves by ticks and the budgets' waits, so the calls and their times are the same,
 * and the modelled runner load is still given for the configured runners.
 */
import type { ProviderId } from '../src/providers/provider.ts';
import { GENEROUS_LIMITS } from '../src/test/generous-limits.ts';
import { wearableCapacity } from '../src/wearables/capacity.ts';
import { DEFAULT_MEASUREMENTS } from '../src/wearables/measurements.ts';
import { runDuePullJobs } from '../src/wearables/jobs.ts';
import { acceptNotification } from '../src/wearables/notifications/accept.ts';
import { planPulls } from '../src/wearables/planner.ts';
import { pullDeps, UNIFIED_TABLES } from '../src/wearables/testing.ts';
import { vendorOf } from '../src/vendors/registry.ts';
import { recordReading, startSimulatedVendors, syncDevice, type Data } from './simulated-vendors.ts';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const CONNECTIONS = Number(arg('connections', '1000'));
const VENDORS = arg('vendors', 'polar,withings,fitbit').split(',') as ProviderId[];
const TICK_MS = Number(arg('tick', '1')) * 60_000;
const HOURS = Number(arg('hours', '24'));
const RUNNERS = arg('runners', '');
const MODES = arg('notifications', 'off,on')
  .split(',')
  .map((m) => m === 'on');
const CALL_MS = 100;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OAUTH = /^(token|authorize|register|identity|user$|oauth|revoke|notify|webhook)/;
/** OAuth calls in a vendor's data quota: Withings counts every call of the app (wearable-apis.md §4.5). */
const QUOTA_COUNTS_OAUTH: Record<ProviderId, boolean> = { withings: true, polar: false, fitbit: false };
const TOKEN = /^token:refresh/;
const START = new Date('2026-11-21T00:00:00Z');
const POLAR_EVENTS = ['ACTIVITY_SUMMARY', 'CONTINUOUS_HEART_RATE'];

/** A reading the device recorded just before `at`, uploaded at `at`. */
function upload(data: Data, provider: ProviderId, user: string, at: number) {
  recordReading(data, provider, user, at - 60_000);
  syncDevice(data, provider, user, new Date(at));
}

/** The most calls inside any window of `ms` (calls sorted by time). */
function peak(times: number[], ms: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

async function main() {
  const { own, clock, data, wearables, close } = await startSimulatedVendors(
    'clinic_day',
    new Date(START.getTime() - DAY),
    // A thousand connect links from one address in minutes: far over the public pages' limits.
    { env: GENEROUS_LIMITS, polar: { shortWindowPerUser: 20, longWindowPerUser: 100 } }
  );
  const config = wearables.deps.config;
  const concurrency = config.wearablePulls.concurrency;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    out(
      `clinic-day bench: ${CONNECTIONS} connections per vendor, each device uploading hourly; ${CALL_MS} ms per call modelled, ${concurrency} runners per vendor; tick ${TICK_MS / 60_000} min`
    );
    for (const [v, provider] of VENDORS.entries()) {
      for (const notified of MODES) {
        const day0 = START.getTime() + (2 * v + Number(notified)) * 3 * DAY;
        clock.set(new Date(day0 - DAY));
        await own.db('device_connections').update({ status: 'disconnected' });
        await own.db('wearable_notify_channels').delete();
        // Connecting is setup: made in groups, a minute apart (Withings' connect calls share its quota).
        const conns: { id: number; user: string; minute: number }[] = [];
        for (let i = 0; i < CONNECTIONS; i += 50) {
          const batch = await Promise.all(
            Array.from({ length: Math.min(50, CONNECTIONS - i) }, () => wearables.connected(provider))
          );
          const ids = batch.map((b) => b.connectionId);
          const users = (await own.db('device_connections').whereIn('id', ids).select('id', 'external_user_id')) as {
            id: number;
            external_user_id: string;
          }[];
          for (const u of users) conns.push({ id: u.id, user: u.external_user_id, minute: (conns.length * 7) % 60 });
          clock.set(new Date(clock().getTime() + 60_000));
        }
        // Pulled yesterday: cursors, sync state and devices as a day of pulls leaves them.
        const yesterday = new Date(day0 - 60_000);
        for (const c of conns) upload(data, provider, c.user, yesterday.getTime() - HOUR);
        await own.db('wearable_cursors').insert(
          conns.flatMap((c) =>
            vendorOf(provider).source.types.map((t) => ({
              connection_id: c.id,
              data_type: t.name,
              synced_until: yesterday,
              updated_at: yesterday,
            }))
          )
        );
        await own.db('wearable_sync_state').insert(
          conns.map((c) => ({
            connection_id: c.id,
            daily_pulled_at: yesterday,
            last_pull_at: yesterday,
            last_success_at: yesterday,
            updated_at: yesterday,
          }))
        );
        if (notified) {
          const row = { secret_sealed: 'x', url: 'https://vigil.example/n', active: true, created_at: yesterday };
          if (provider === 'withings') {
            await own.db('wearable_notify_subscriptions').insert(
              conns.map((c) => ({
                connection_id: c.id,
                callback_url: row.url,
                applis: '1',
                subscribed_at: yesterday,
              }))
            );
          } else {
            await own
              .db('wearable_notify_channels')
              .insert({ ...row, provider, covers_all: true, updated_at: yesterday });
          }
        }
        const settings = {
          ...config.wearablePulls,
          dailyPullTime: '00:00',
          notifications: { ...config.wearablePulls.notifications, enabled: notified },
        };
        const ndeps = {
          db: own.db,
          log: wearables.deps.log,
          clock,
          settings: {
            replayWindowMs: settings.notifications.replayWindowMs,
            backfillDays: settings.backfillDays,
            minMinutes: settings.minMinutes,
          },
        };
        const sim = wearables[provider];
        const before = sim.calls.length;
        const deps = pullDeps(wearables, clock);
        const runner = {
          worker: `bench-${provider}`,
          provider,
          leaseMs: 600_000,
          rereadMs: 3 * DAY,
          backfillDays: settings.backfillDays,
          concurrency: RUNNERS === '' ? concurrency : Number(RUNNERS),
        };
        const listing = { ...wearables.deps, config: { ...config, wearablePulls: settings }, budgets: deps.budgets };
        const rejectedBefore = provider === 'withings' ? wearables.withings.quotas().app.rejected : 0;
        const dueJobs = async () =>
          (await own
            .db('wearable_pull_jobs')
            .where((q) => {
              void q.where((d) => void d.where('state', 'queued').where('run_after', '<=', clock()));
              void q.orWhere('state', 'running');
            })
            .first('id')) !== undefined;
        const started = performance.now();
        let pulls = 0;
        let lastUpload = new Map<number, number>();
        const end = day0 + HOURS * HOUR;
        for (let t = day0; t < end; t += TICK_MS) {
          if (clock().getTime() < t) clock.set(new Date(t));
          const now = clock().getTime();
          const minuteFrom = Math.floor((t - TICK_MS) / 60_000);
          const minuteTo = Math.floor(t / 60_000);
          for (const c of conns) {
            // Uploads at its minute of each hour that this tick passed.
            for (let m = minuteFrom + 1; m <= minuteTo; m++) {
              if (m % 60 !== c.minute) continue;
              upload(data, provider, c.user, now);
              lastUpload.set(c.id, now);
              if (!notified) continue;
              const events = provider === 'polar' ? POLAR_EVENTS : ['upload'];
              for (const e of events) {
                await acceptNotification(ndeps, {
                  provider,
                  externalUserId: c.user,
                  identity: `${provider}:${c.user}:${e}:${now}`,
                  about: { event: e },
                  requestId: 'bench',
                });
              }
            }
          }
          // The vendor's listing pass (Polar's pull notifications), on the scheduler's cron (asked
          // only while its notifications do not cover the client).
          const listingMs = (vendorOf(provider).listing?.everyMinutes ?? 0) * 60_000;
          if (listingMs > 0 && Math.floor(t / listingMs) !== Math.floor((t - TICK_MS) / listingMs)) {
            await vendorOf(provider).listing?.pass(listing, clock());
          }
          await planPulls(own.db, clock(), settings);
          // Most ticks of a small run have nothing due: the runners' claims are then skipped.
          if (await dueJobs()) pulls += await runDuePullJobs(deps, runner);
        }
        const wallS = (performance.now() - started) / 1000;
        const runCalls = sim.calls.slice(before);
        const dayCalls = runCalls.filter((c) => !OAUTH.test(c.route));
        const quotaCalls = QUOTA_COUNTS_OAUTH[provider] ? runCalls : dayCalls;
        const refreshes = runCalls.filter((c) => TOKEN.test(c.route)).length;
        const scale = 24 / HOURS;
        const leftJobs = Number(
          (
            (await own
              .db('wearable_pull_jobs')
              .whereIn(
                'connection_id',
                conns.map((c) => c.id)
              )
              .where(
                (q) =>
                  void q
                    .where('state', 'running')
                    .orWhere((d) => void d.where('state', 'queued').where('run_after', '<=', clock()))
              )
              .count({ n: '*' })
              .first()) as { n: number }
          ).n
        );
        const failed = (await own
          .db('wearable_pull_jobs')
          .whereIn(
            'connection_id',
            conns.map((c) => c.id)
          )
          .where('state', 'failed')
          .select('errors')) as { errors: string | null }[];
        // After the last tick: cursors short of an upload older than the vendor's pull interval
        // (newer ones wait for their next pull by design).
        const interval = Math.max(settings.incrementalMinutes, settings.minMinutes[provider]) * 60_000;
        const cutoff = end - interval - TICK_MS;
        const cursors = (await own
          .db('wearable_cursors')
          .whereIn(
            'connection_id',
            conns.map((c) => c.id)
          )
          .groupBy('connection_id')
          .select('connection_id', own.db.raw('MIN(synced_until) as low'))) as { connection_id: number; low: Date }[];
        const behind = cursors.filter((r) => {
          const up = lastUpload.get(r.connection_id) ?? 0;
          return up <= cutoff && new Date(r.low).getTime() < up - 60_000;
        }).length;
        lastUpload = new Map();
        // Rows the day wrote, in every unified table but the device list (yesterday's rows were
        // written by `upload` before the day, but stored only by its pulls).
        let rows = 0;
        for (const table of UNIFIED_TABLES.filter((t) => t !== 'device_status')) {
          const r = (await own
            .db(table)
            .whereIn(
              'connection_id',
              conns.map((c) => c.id)
            )
            .count({ n: '*' })
            .first()) as { n: number };
          rows += Number(r.n);
        }
        const times = quotaCalls.map((c) => c.at.getTime()).sort((a, b) => a - b);
        const cap = wearableCapacity(settings, [
          { studyId: 0, name: 'clinic', measurements: DEFAULT_MEASUREMENTS, active: { [provider]: CONNECTIONS } },
        ]).find((x) => x.provider === provider)!;
        out(
          `\n${provider} — notifications ${notified ? 'on' : 'off'}${HOURS === 24 ? '' : ` (${HOURS} h run, per-day figures ×${scale.toFixed(2)})`}: ${((dayCalls.length * scale) / CONNECTIONS).toFixed(1)} calls per connection per day (capacity model: ${cap.callsPerConnectionPerDay}), ${pulls} pulls, ${refreshes} token refreshes${QUOTA_COUNTS_OAUTH[provider] ? ' (in the quota)' : ''}`
        );
        for (const w of vendorOf(provider).quotas.windows) {
          const limit = w.limit + w.perConnection * CONNECTIONS;
          if (w.scope === 'user') {
            // The simulators log no user per call: a connection's busiest minute is one pull's calls at once.
            const perPull = Math.ceil(dayCalls.length / Math.max(pulls, 1));
            out(
              `  peak ${w.name.padEnd(26)} about ${perPull} of ${limit} (one pull at once, ${((100 * perPull) / limit).toFixed(1)}%)`
            );
            continue;
          }
          const ms = w.windowSeconds * 1000;
          // A window longer than the run: the run's calls scaled to that window.
          const used = ms > HOURS * HOUR ? Math.round(times.length * (ms / (HOURS * HOUR))) : peak(times, ms);
          out(
            `  peak ${w.name.padEnd(26)} ${used} of ${limit} (${((100 * used) / limit).toFixed(1)}%)${ms > HOURS * HOUR ? ' scaled' : ''}`
          );
        }
        if (provider === 'withings') {
          const rejected = wearables.withings.quotas().app.rejected - rejectedBefore;
          out(`  calls the simulator refused over quota (status 601): ${rejected}`);
        }
        const modelledRunnerS = (quotaCalls.length * CALL_MS) / 1000 / concurrency;
        out(
          `  wall time ${wallS.toFixed(1)} s for ${HOURS} h (${runner.concurrency} runners in the bench); configured runners busy ${(modelledRunnerS / 3600).toFixed(2)} h of ${HOURS} (modelled, ${CALL_MS} ms a call)`
        );
        out(
          `  rows written ${rows}: ${Math.round(rows / wallS)}/s wall, ${(rows / Math.max(modelledRunnerS, 1)).toFixed(1)}/s modelled`
        );
        out(
          `  left behind: ${leftJobs} jobs due or running, ${behind} connections with a cursor short of an upload older than ${interval / 60_000} min; ${failed.length} pulls failed${failed.length > 0 ? ` (first: ${failed[0]?.errors ?? ''})` : ''}`
        );
      }
    }
  } finally {
    await close();
  }
}

await main();
process.exit(0);
