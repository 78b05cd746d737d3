import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { claimTick, startScheduler, type Job } from './schedule.ts';

describe('scheduled jobs with several scheduler processes', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  beforeAll(async () => {
    own = await createOwnDatabase('vigil_schedule');
  });
  afterAll(() => own.drop());

  it('give each tick of a job to one claimant, whichever fires first, and keep other jobs and ticks apart', async () => {
    const at = new Date(Date.now() - 5_000);
    const claims = await Promise.all(['a', 'b', 'c'].map((holder) => claimTick(own.db, 'purge', at, holder)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Timers a few hundred milliseconds apart name the same minute.
    expect(await claimTick(own.db, 'purge', new Date(Math.floor(at.getTime() / 60_000) * 60_000 + 59_000), 'd')).toBe(
      false
    );
    expect(await claimTick(own.db, 'digests', at, 'a')).toBe(true);
    expect(await claimTick(own.db, 'purge', new Date(at.getTime() + 60_000), 'b')).toBe(true);
  });

  it('run a claimed job in one of two schedulers, and a shared job in both', async () => {
    const runs = { single: 0, shared: 0 };
    const jobs = (suffix: string): Job[] => [
      // Every second: several fires within a minute, one run per minute between the two.
      { name: `single-${suffix}`, cron: '* * * * * *', run: () => Promise.resolve(void (runs.single += 1)) },
      {
        name: `shared-${suffix}`,
        cron: '* * * * * *',
        shared: true,
        run: () => Promise.resolve(void (runs.shared += 1)),
      },
    ];
    const log = createLogger('silent');
    const started = Date.now();
    const schedulers = [startScheduler(jobs('x'), log, own.db), startScheduler(jobs('x'), log, own.db)];
    await sleep(2_500);
    await Promise.all(schedulers.map((s) => s.stop()));
    const minutes = Math.floor(Date.now() / 60_000) - Math.floor(started / 60_000) + 1;
    const ticks = (await own.db('scheduler_ticks').where({ job: 'single-x' }).count({ n: '*' })) as { n: number }[];
    expect(runs.single).toBe(Number(ticks[0]!.n));
    expect(runs.single).toBeGreaterThanOrEqual(1);
    expect(runs.single).toBeLessThanOrEqual(minutes);
    expect(runs.shared).toBeGreaterThanOrEqual(4);
  });
});
