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
const Flag = z.enum(['true', 'false'], { error: 'must be true or false' }).optional();
/**
 * Which parts of the file to import. Beiwe's form fields `device_settings` and `surveys` (and
 * Vigil's `timezone`, `measurements` and `source_priorities`) import a part only when they are
 * exactly `true`: missing or anything else means no, as in Beiwe. Vigil's query flags say the same
 * for a file sent as a JSON body (`sourcePriorities` for `source_priorities`); a part is imported
 * when either says `true`. Interventions are always merged, as Beiwe does.
 */
const ImportQuery = z.strictObject({
  deviceSettings: Flag,
  surveys: Flag,
  timezone: Flag,
  measurements: Flag,
  sourcePriorities: Flag,
});

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
        const { file, form } = await readStudyFile(c.req.raw);
        const wanted = (queryFlag: string | undefined, formField: string) =>
          queryFlag === 'true' || form.get(formField) === 'true';
        const now = clock();
        const result = await db.transaction(async (trx) => {
          const study = await lockLiveStudy(trx, id);
          return importStudyFile(
            trx,
            study,
            file,
            {
              deviceSettings: wanted(query.deviceSettings, 'device_settings'),
              surveys: wanted(query.surveys, 'surveys'),
              timezone: wanted(query.timezone, 'timezone'),
              measurements: wanted(query.measurements, 'measurements'),
              sourcePriorities: wanted(query.sourcePriorities, 'source_priorities'),
            },
            actorOf(c),
            now
          );
        });
        return c.json(result);
      }
    );
}

/**
 * The file is the JSON body, or (as Beiwe's form sends it) the multipart field `upload` beside the
 * form fields that choose the parts.
 */
async function readStudyFile(req: Request): Promise<{ file: unknown; form: ReadonlyMap<string, unknown> }> {
  if ((req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const form = await req.formData();
    const upload = form.get('upload');
    if (upload === null)
      throw InvalidInputError.fromFields([{ field: 'upload', message: 'attach the study file as "upload"' }]);
    const file = parseJsonBody(typeof upload === 'string' ? Buffer.from(upload) : await upload.arrayBuffer(), '$');
    return { file, form: new Map(form.entries()) };
  }
  return { file: parseJsonBody(await req.arrayBuffer(), '$'), form: new Map() };
}
