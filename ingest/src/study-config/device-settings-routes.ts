import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { Id, Paging } from '../listing.ts';
import { validate } from '../validate.ts';
import { DeviceSettingsPatch, mergeDeviceSettings } from './device-settings-schema.ts';
import type { DeviceSettingsVersion } from './device-settings-store.ts';
import {
  currentDeviceSettingsVersion,
  insertDeviceSettingsVersion,
  listDeviceSettingsVersions,
} from './device-settings-store.ts';
import { findStudyOrThrow, lockLiveStudy } from './study-lock.ts';

const ByStudy = z.object({ id: Id });
const VersionQuery = Paging.omit({ deleted: true });

/**
 * `/studies/:id/device-settings`: what the study's phones are told to collect (spec §2.2).
 * PUT takes any subset of the settings: the keys given replace the current values and the rest
 * keep theirs (a complete object is simply a subset naming every key). This is how Beiwe's own
 * settings form and study import behave, and it lets a client change one duty cycle without
 * first reading and re-sending fifty other values. Each change is a new version; none is lost.
 */
export function deviceSettingsRoutes({ db, clock }: AppDeps) {
  const json = (studyId: number, v: DeviceSettingsVersion) => ({ studyId, ...v });
  return new Hono<AppEnv>()
    .get('/studies/:id/device-settings', validate('param', ByStudy), async (c) => {
      const { id } = c.req.valid('param');
      await findStudyOrThrow(db, id);
      return c.json(json(id, await currentDeviceSettingsVersion(db, id)));
    })
    .get(
      '/studies/:id/device-settings/versions',
      validate('param', ByStudy),
      validate('query', VersionQuery),
      async (c) => {
        const { id } = c.req.valid('param');
        const query = c.req.valid('query');
        await findStudyOrThrow(db, id);
        const { items, total } = await listDeviceSettingsVersions(db, id, query);
        return c.json({ items: items.map((v) => json(id, v)), total, limit: query.limit, offset: query.offset });
      }
    )
    .put(
      '/studies/:id/device-settings',
      validate('param', ByStudy),
      validate(
        'json',
        DeviceSettingsPatch.refine((p) => Object.keys(p).length > 0, { error: 'expected at least one setting' })
      ),
      async (c) => {
        const { id } = c.req.valid('param');
        const patch = c.req.valid('json');
        const now = clock();
        const saved = await db.transaction(async (trx) => {
          const study = await lockLiveStudy(trx, id);
          const before = await currentDeviceSettingsVersion(trx, study.id);
          const next = mergeDeviceSettings(before.settings, patch);
          // Nothing changed: no new version, and nothing to audit.
          if (JSON.stringify(next) === JSON.stringify(before.settings)) return before;
          const after = await insertDeviceSettingsVersion(trx, study.id, next, c.get('caller').login, now);
          await recordAudit(trx, now, {
            ...actorOf(c),
            action: 'device_settings.update',
            target: { type: 'device_settings', id: study.id, studyId: study.id },
            before,
            after,
          });
          return after;
        });
        return c.json(json(id, saved));
      }
    );
}
