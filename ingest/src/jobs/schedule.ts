import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import schedule from 'node-schedule';
import type { AppDeps } from '../app-env.ts';
import { SYSTEM_ACTOR } from '../audit/store.ts';
import { computeMarkedDays } from '../features/processor.ts';
import type { Logger } from '../log.ts';
import { watchQuotas } from '../metrics/metrics.ts';
import { purgeExpired } from '../retention/purge.ts';
import { maintainMotionTables } from '../streams/maintenance.ts';
import { runSyncCheck } from '../sync-alerts/check.ts';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { createBudgets, realSleep } from '../wearables/budget.ts';
import { runDuePullJobs } from '../wearables/jobs.ts';
import { planPulls } from '../wearables/planner.ts';
import { vendorOf } from '../vendors/registry.ts';
import { planSurveyPushes } from '../push/planner.ts';
import { createPushSender } from '../push/sender.ts';
import { planFollowUps } from '../push/follow-ups.ts';

/** The longest a pull waits in line for a provider's budget before its job is put back. */
export const PULL_MAX_WAIT_MS = 60_000;

/**
 * `shared`: the job's work is leased row by row (pull jobs, feature marks), so every scheduler
 * process runs each tick and they split the work. Otherwise one process runs each tick: the one
 * that claims it in `scheduler_ticks`.
 */
export type Job = { readonly name: string; readonly cron: string; readonly shared?: boolean; run(): Promise<unknown> };

/** Every recurring job, in one table. Cron expressions are read in UTC. */
export function scheduledJobs(
  deps: Pick<AppDeps, 'db' | 'clock' | 'config' | 'vault' | 'log' | 'mailer' | 'archive' | 'metrics'>
): Job[] {
  const { db, clock, config } = deps;
  // A job waits in line for a budget at most a tick; a quota spent for longer puts the job back
  // for when its window resets, so no runner holds a job (nor a tick) for up to a day.
  const budgets = createBudgets(clock, realSleep, { maxWaitMs: PULL_MAX_WAIT_MS });
  watchQuotas(deps.metrics, budgets);
  // Unique to this process: a run releases what the runner still holds from a run that lost the database.
  const pullWorker = `pulls-${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const sendPushes = createPushSender(deps);
  return [
    // Survey schedules to push rows, once per minute across processes (rows are keyed, so a repeat adds nothing).
    {
      name: 'push-plan',
      cron: '* * * * *',
      run: async () => {
        const now = clock();
        return { ...(await planSurveyPushes(db, now, config.push.graceMs)), ...(await planFollowUps(db, now)) };
      },
    },
    // Due pushes are leased row by row: every scheduler process sends a share, each push once.
    { name: 'push-send', cron: '* * * * *', shared: true, run: () => sendPushes(clock()) },
    // Plans backfills, daily pulls (also those missed while down) and incremental pulls; runs none.
    {
      name: 'wearable-pull-plan',
      cron: '* * * * *',
      run: () => planPulls(db, clock(), config.wearablePulls),
    },
    // The lists of users with new data of the vendors that keep one (Polar's pull notifications),
    // asked for the whole client while the vendor's notifications do not cover it.
    ...PROVIDER_IDS.flatMap((provider): Job[] => {
      const listing = vendorOf(provider).listing;
      if (!listing) return [];
      return [
        {
          name: `wearable-listing-${provider}`,
          cron: `*/${listing.everyMinutes} * * * *`,
          run: () => listing.pass({ ...deps, budgets }, clock()),
        },
      ];
    }),
    // Runs whatever is due, one runner per provider: a provider that is slow or out of quota skips
    // its own runner's ticks only. Jobs are leased rows, so several processes share the work.
    ...PROVIDER_IDS.map((provider): Job => ({
      name: `wearable-pulls-${provider}`,
      cron: '* * * * *',
      shared: true,
      run: async () => ({
        ran: await runDuePullJobs(
          { ...deps, budgets },
          {
            worker: `${pullWorker}:${provider}`,
            provider,
            leaseMs: config.worker.leaseMs,
            rereadMs: 3 * 86_400_000,
            backfillDays: config.wearablePulls.backfillDays,
            concurrency: config.wearablePulls.concurrency,
          }
        ),
      }),
    })),
    {
      name: 'purge-deleted',
      cron: config.retention.purgeSchedule,
      run: () =>
        purgeExpired({ db, archive: deps.archive.store, log: deps.log }, clock(), config.retention.days, SYSTEM_ACTOR),
    },
    {
      name: 'maintain-motion-tables',
      cron: '7 0 * * *',
      run: () => maintainMotionTables(db, clock(), config.retention.motionDays),
    },
    {
      // Features of days marked outside the upload worker (wearable pulls); uploads' days are computed with them.
      name: 'daily-features',
      cron: '* * * * *',
      shared: true,
      run: () => computeMarkedDays(db, clock()),
    },
    {
      name: 'sync-health-digests',
      cron: config.syncAlerts.schedule,
      run: () => runSyncCheck(deps, clock()),
    },
  ];
}

export type Scheduler = { stop(): Promise<void> };

/**
 * Runs each job on its schedule; one failure is logged and does not stop the others. A job still
 * running when its next tick comes is not started twice, and a tick of a job that is not `shared` is
 * run by the one scheduler process that claims it. `stop` cancels the schedule and waits for
 * running jobs to finish.
 */
export function startScheduler(jobs: readonly Job[], log: Logger, db: Knex): Scheduler {
  const running = new Map<string, Promise<void>>();
  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const scheduled = jobs.map((job) =>
    schedule.scheduleJob(job.name, { rule: job.cron, tz: 'Etc/UTC' }, (fireDate) => {
      if (running.has(job.name)) {
        log.warn({ job: job.name }, 'job still running; skipping this tick');
        return;
      }
      const started = performance.now();
      const run = (job.shared ? Promise.resolve(true) : claimTick(db, job.name, fireDate, holder))
        .then((mine) => {
          if (!mine) return;
          log.info({ job: job.name }, 'job started');
          return job
            .run()
            .then((result) =>
              log.info({ job: job.name, ms: Math.round(performance.now() - started), result }, 'job finished')
            );
        })
        .catch((err: unknown) => log.error({ job: job.name, err }, 'job failed'))
        .finally(() => running.delete(job.name));
      running.set(job.name, run);
    })
  );
  return {
    async stop() {
      for (const s of scheduled) s?.cancel();
      await Promise.all(running.values());
    },
  };
}

/** Ticks are kept this long (the claim's record), then deleted by a later claim of the same job. */
const TICK_KEEP_MS = 7 * 86_400_000;

/**
 * Claims one tick of a job for this process: the insert of (job, tick) succeeds in one process
 * only. The tick is the scheduled minute, so processes whose timers fire a little apart agree on
 * it. A process that dies mid-run loses that tick; the next one runs as usual.
 */
export async function claimTick(db: Knex, job: string, fireDate: Date, holder: string): Promise<boolean> {
  const tickAt = new Date(Math.floor(fireDate.getTime() / 60_000) * 60_000);
  const [result] = (await db.raw(
    'INSERT IGNORE INTO scheduler_ticks (job, tick_at, holder, claimed_at) VALUES (?, ?, ?, ?)',
    [job, tickAt, holder, new Date()]
  )) as [{ affectedRows: number }];
  if (result.affectedRows !== 1) return false;
  await db('scheduler_ticks')
    .where({ job })
    .where('tick_at', '<', new Date(tickAt.getTime() - TICK_KEEP_MS))
    .delete();
  return true;
}
