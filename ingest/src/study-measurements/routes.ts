import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { Id } from '../listing.ts';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { requireStudy, updateStudySetting } from '../studies/store.ts';
import { validate } from '../validate.ts';
import { MEASUREMENT_LABELS, MEASUREMENTS, OPT_IN, type WearableMeasurement } from '../wearables/measurements.ts';
import { findStudyMeasurements, saveStudyMeasurements, type StudyMeasurements } from './store.ts';
import { vendorOf } from '../vendors/registry.ts';

const ById = z.object({ id: Id });

const isMeasurement = (name: string): name is WearableMeasurement => (MEASUREMENTS as readonly string[]).includes(name);

/** The whole list the study collects (duplicates count once); every unknown name is refused at once. */
const Choice = z.strictObject({
  measurements: z
    .array(z.string().max(64))
    .max(100)
    .superRefine((names, ctx) => {
      const unknown = names.filter((n) => !isMeasurement(n));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `not measurements: ${unknown.join(', ')} (known: ${MEASUREMENTS.join(', ')})`,
        });
      }
    }),
});

/** What the settings page shows beside the choice: each measurement, who offers it, and whether it is opt-in. */
const CATALOGUE = MEASUREMENTS.map((id) => ({
  id,
  label: MEASUREMENT_LABELS[id],
  providers: PROVIDER_IDS.filter((p) => vendorOf(p).offer.scopes[id] !== undefined),
  optIn: OPT_IN.includes(id),
}));

/**
 * Which wearable measurements a study collects: the consent asks for their scopes only, and pulls
 * read nothing else. `chosen` false: the study never chose and collects the default set.
 */
export function studyMeasurementRoutes({ db, clock }: AppDeps) {
  const view = (studyId: number, current: StudyMeasurements) => ({ studyId, ...current, catalogue: CATALOGUE });

  return new Hono<AppEnv>()
    .get('/studies/:id/measurements', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      await requireStudy(db, id);
      return c.json(view(id, await findStudyMeasurements(db, id)));
    })
    .put('/studies/:id/measurements', validate('param', ById), validate('json', Choice), async (c) => {
      const { id } = c.req.valid('param');
      const chosen = c.req.valid('json').measurements.filter(isMeasurement);
      const now = clock();
      const after = await updateStudySetting(
        db,
        { studyId: id, now, action: 'study.measurements.update', actor: actorOf(c) },
        {
          find: (trx, opts) => findStudyMeasurements(trx, id, opts),
          save: (trx) => saveStudyMeasurements(trx, id, [...new Set(chosen)], now),
        }
      );
      return c.json(view(id, after));
    });
}
