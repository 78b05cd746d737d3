import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { InvalidInputError, PayloadTooLargeError } from '../errors.ts';
import { parseJsonBody } from '../json-body.ts';
import { Id } from '../listing.ts';
import { validate } from '../validate.ts';
import { exportFileName, exportStudy } from './study-json-export.ts';
import { importStudyFile } from './study-import.ts';
import { findStudyOrThrow, lockLiveStudy } from './study-lock.ts';

const ById = z.object({ id: Id });
const Flag = z.enum(['true', 'false'], { error: 'must be true or false' }).default('true');
/** Which parts of the file to import, as Beiwe's `device_settings` and `surveys` flags (all by default). */
const ImportQuery = z.strictObject({ deviceSettings: Flag, surveys: Flag, timezone: Flag });

const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** `/studies/:id/export` and `/studies/:id/import`: Beiwe's study settings file (spec §7.1). */
export function studyJsonRoutes({ db, clock }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/studies/:id/export', validate('param', ById), async (c) => {
      const study = await findStudyOrThrow(db, c.req.valid('param').id);
      const file = await exportStudy(db, study);
      c.header('Content-Disposition', `attachment; filename="${exportFileName(study.name)}"`);
      return c.json(file);
    })
    .post(
      '/studies/:id/import',
      bodyLimit({
        maxSize: MAX_FILE_BYTES,
        onError: () => {
          throw new PayloadTooLargeError(`a study file may be at most ${MAX_FILE_BYTES} bytes`);
        },
      }),
      validate('param', ById),
      validate('query', ImportQuery),
      async (c) => {
        const { id } = c.req.valid('param');
        const query = c.req.valid('query');
        const raw = await readStudyFile(c.req.raw);
        const now = clock();
        const result = await db.transaction(async (trx) => {
          const study = await lockLiveStudy(trx, id);
          return importStudyFile(
            trx,
            study,
            raw,
            {
              deviceSettings: query.deviceSettings === 'true',
              surveys: query.surveys === 'true',
              timezone: query.timezone === 'true',
            },
            actorOf(c),
            now
          );
        });
        return c.json(result);
      }
    );
}

/** The file is the JSON body, or (as Beiwe's form sends it) the multipart field `upload`. */
async function readStudyFile(req: Request): Promise<unknown> {
  if ((req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const upload = (await req.formData()).get('upload');
    if (upload === null)
      throw InvalidInputError.fromFields([{ field: 'upload', message: 'attach the study file as "upload"' }]);
    return parseJsonBody(typeof upload === 'string' ? Buffer.from(upload) : await upload.arrayBuffer(), '$');
  }
  return parseJsonBody(await req.arrayBuffer(), '$');
}
