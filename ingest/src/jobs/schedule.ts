import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import schedule from 'node-schedule';
import type { AppDeps } from '../app-env.ts';
import { SYSTEM_ACTOR } from '../audit/store.ts';
import { computeMarkedDays } from '../features/processor.ts';
import type { Logger } from '../log.ts';
import { purgeExpired } from '../retention/purge.ts';
import { maintainMotionTables } from '../streams/maintenance.ts';
import { runSyncCheck } from '../sync-alerts/check.ts';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { createBudgets, realSleep } from '../wearables/budget.ts';
import { runDuePullJobs } from '../wearables/jobs.ts';
import { planPulls } from '../wearables/planner.ts';

/** The longest a pull waits in line for a provider's budget before its job is put back. */
export const PULL_MAX_WAIT_MS = 60_000;

export type Job = { readonly name: string; readonly cron: string; run(): Promise<unknown> };

/** Every recurring job, in one table. Cron expressions are read in UTC. */
export function scheduledJobs(
  deps: Pick<AppDeps, 'db' | 'clock' | 'config' | 'vault' | 'log' | 'mailer' | 'archive'>
): Job[] {
  const { db, clock, config } = deps;
  // A job waits in line for a budget at most a tick; a quota spent for longer puts the job back
  // for when its window resets, so no runner holds a job (nor a tick) for up to a day.
  const budgets = createBudgets(clock, realSleep, { maxWaitMs: PULL_MAX_WAIT_MS });
  // Unique to this process: a run releases what the runner still holds from a run that lost the database.
  const pullWorker = `pulls-${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  return [
    // Plans backfills, daily pulls (also those missed while down) and incremental pulls; runs none.
    {
      name: 'wearable-pull-plan',
      cron: '* * * * *',
      run: () => planPulls(db, clock(), config.wearablePulls),
    },
    // Runs whatever is due, one runner per provider: a provider that is slow or out of quota skips
    // its own runner's ticks only. Jobs are leased rows, so several processes share the work.
    ...PROVIDER_IDS.map((provider): Job => ({
      name: `wearable-pulls-${provider}`,
      cron: '* * * * *',
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
 * running when its next tick comes is not started twice. `stop` cancels the schedule and waits for
 * running jobs to finish.
 */
export function startScheduler(jobs: readonly Job[], log: Logger): Scheduler {
  const running = new Map<string, Promise<void>>();
  const scheduled = jobs.map((job) =>
    schedule.scheduleJob(job.name, { rule: job.cron, tz: 'Etc/UTC' }, () => {
      if (running.has(job.name)) {
        log.warn({ job: job.name }, 'job still running; skipping this tick');
        return;
      }
      const started = performance.now();
      log.info({ job: job.name }, 'job started');
      const run = job
        .run()
        .then((result) =>
          log.info({ job: job.name, ms: Math.round(performance.now() - started), result }, 'job finished')
        )
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
