import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { NotFoundError } from '../errors.ts';
import { Id } from '../listing.ts';
import { findParticipant } from '../participants/store.ts';
import { findStudy } from '../studies/store.ts';
import { IsoDate } from '../study-config/schedules.ts';
import { validate } from '../validate.ts';
import { funnelTotals, pushFunnel } from './funnel.ts';

/** A year, leap day included: a longer range is a bulk export, not a funnel to read. */
export const MAX_FUNNEL_DAYS = 366;
const DAY_MS = 86_400_000;

const ById = z.object({ id: Id });
const Range = z.object({ from: IsoDate, to: IsoDate }).superRefine((q, ctx) => {
  // Compared only once both are dates: a bad one is reported as itself, not as a bad range too.
  if (!IsoDate.safeParse(q.from).success || !IsoDate.safeParse(q.to).success) return;
  if (q.from > q.to) ctx.addIssue({ code: 'custom', message: 'must not be before from', path: ['to'] });
  else if (Date.parse(q.to) - Date.parse(q.from) >= MAX_FUNNEL_DAYS * DAY_MS) {
    ctx.addIssue({
      code: 'custom',
      message: `the range from–to may cover at most ${MAX_FUNNEL_DAYS} days`,
      path: ['to'],
    });
  }
});

/**
 * The survey delivery funnel (due → sent → delivered → opened → submitted, definitions in
 * `funnel.ts`) per survey and local day of the study, for a study's participants or one participant.
 */
export function pushFunnelRoutes({ db }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/studies/:id/push-funnel', validate('param', ById), validate('query', Range), async (c) => {
      const { id } = c.req.valid('param');
      const { from, to } = c.req.valid('query');
      const study = await findStudy(db, id);
      if (!study) throw new NotFoundError(`study ${id} does not exist`);
      const days = await pushFunnel(db, { studyId: id, from, to });
      return c.json({ studyId: id, timeZone: study.timezone, from, to, days, totals: funnelTotals(days) });
    })
    .get('/participants/:id/push-funnel', validate('param', ById), validate('query', Range), async (c) => {
      const { id } = c.req.valid('param');
      const { from, to } = c.req.valid('query');
      const participant = await findParticipant(db, id);
      if (!participant) throw new NotFoundError(`participant ${id} does not exist`);
      const study = await findStudy(db, participant.studyId);
      const days = await pushFunnel(db, { participantId: id, from, to });
      return c.json({
        participantId: id,
        timeZone: study?.timezone ?? null,
        from,
        to,
        days,
        totals: funnelTotals(days),
      });
    });
}
