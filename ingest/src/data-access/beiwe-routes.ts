import type { Context } from 'hono';
import { Hono } from 'hono';
import { parseBody } from 'hono/utils/body';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { AppError, ForbiddenError, PayloadTooLargeError, statusOfCode, TooManyRequestsError } from '../errors.ts';
import { clientAddress } from '../http/client-address.ts';
import { bodySource, readGatedBody, type Gate } from '../http/gated-body.ts';
import type { Limits } from '../rate-limits/limits.ts';
import { beiweStudySettings } from '../study-config/study-json-export.ts';
import { recordAttempt, finishAttempt } from './attempts.ts';
import { exportZip, type ExportSummary } from './export.ts';
import type { DataAccessKey } from './keys.ts';
import { touchKey } from './keys.ts';
import {
  authenticate,
  keyStudy,
  listField,
  parseBeiweTime,
  parseRegistry,
  parseStreams,
  studyParticipants,
  textField,
  WRONG_KEY,
  type Form,
} from './request.ts';
import { participantDataRoutes } from './participant-data-routes.ts';
import { zipResponse } from './zip-response.ts';

export type Handled = { response: Response; studyId?: number; outcome: string; attemptDone?: (id: number) => void };
/** Wraps an endpoint in the one authentication and audit path every data-access endpoint shares. */
export type Handle = (
  endpoint: string,
  fn: (form: Form, key: DataAccessKey, c: Context<AppEnv>) => Promise<Handled>
) => (c: Context<AppEnv>) => Promise<Response>;

/**
 * Beiwe's credentialed data-access endpoints (spec §6), for researchers' scripts, mano and Forest.
 * Every call that gets past the rate limits is recorded with its outcome, including those refused
 * before the key is known. The body is read only as far as the credentials until they prove
 * right; a wrong secret counts against the address and the access key (a lockout answers like a
 * wrong secret).
 */
export function dataAccessRoutes(deps: AppDeps, limits: Limits) {
  const { db, clock, log } = deps;
  const { bodies, rateLimits } = deps.config;

  const gate: Gate = async (fields) => {
    const accessKey = fields.get('access_key');
    const secret = fields.get('secret_key');
    if (accessKey === undefined || secret === undefined) return undefined;
    // A refusal is answered (and counted) by the handler, from the fields that had arrived.
    const key = await authenticate(db, { access_key: accessKey, secret_key: secret }).catch((err: unknown) => {
      if (err instanceof AppError) return undefined;
      throw err;
    });
    return key && (await limits.credentialLocked('data-access', accessKey)) === undefined ? 'open' : 'refuse';
  };

  const readForm = async (c: Context<AppEnv>): Promise<Form | PayloadTooLargeError> => {
    const body = await readGatedBody(
      bodySource(c),
      { unauthenticated: bodies.unauthenticatedMaxBytes, authenticated: bodies.dataAccessMaxBytes },
      gate
    );
    if (body.kind === 'too-large') return new PayloadTooLargeError(`request body over ${body.limit} bytes`);
    if (body.kind === 'refused') return Object.fromEntries(body.fields);
    if (body.kind === 'cut-short') return {};
    const contentType = c.req.header('content-type');
    const request = new Request(c.req.url, {
      method: 'POST',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: body.bytes,
    });
    return (await parseBody(request, { all: true }).catch(() => ({}))) as Form;
  };

  /** The key the form's credentials name, counting a failure against the address and the key. */
  const authenticateLimited = async (form: Form, address: string): Promise<DataAccessKey> => {
    const accessKey = textField(form, 'access_key');
    const locked = accessKey === undefined ? undefined : await limits.credentialLocked('data-access', accessKey);
    let key: DataAccessKey;
    try {
      key = await authenticate(db, form);
    } catch (err) {
      if (err instanceof AppError) await limits.failed('data-access', address, accessKey);
      throw err;
    }
    if (locked !== undefined) throw new ForbiddenError(WRONG_KEY);
    await limits.succeeded('data-access', key.accessKey);
    return key;
  };

  const handle =
    (endpoint: string, fn: (form: Form, key: DataAccessKey, c: Context<AppEnv>) => Promise<Handled>) =>
    async (c: Context<AppEnv>) => {
      const address = clientAddress(c, rateLimits.trustProxy);
      const wait = await limits.request('public', address, 'data-access');
      if (wait !== undefined) throw new TooManyRequestsError('too many requests: try again later', wait);
      const read = await readForm(c);
      const form = read instanceof PayloadTooLargeError ? {} : read;
      const accessKey = textField(form, 'access_key');
      const query = summariseQuery(form);
      let key: DataAccessKey | undefined;
      try {
        if (read instanceof PayloadTooLargeError) throw read;
        key = await authenticateLimited(form, address);
        const handled = await fn(form, key, c);
        const now = clock();
        const id = await recordAttempt(db, now, {
          keyId: key.id,
          accessKey,
          endpoint,
          status: handled.response.status,
          outcome: handled.outcome,
          studyId: handled.studyId,
          query,
          requestId: c.get('requestId'),
        });
        await touchKey(db, key.id, now);
        handled.attemptDone?.(id);
        return handled.response;
      } catch (err) {
        const status = err instanceof AppError ? statusOfCode[err.code] : 500;
        await recordAttempt(db, clock(), {
          keyId: key?.id,
          accessKey,
          endpoint,
          status,
          // An unexpected error's message may quote values (a database error quotes its statement).
          outcome: err instanceof AppError ? err.message : 'internal error',
          query,
          requestId: c.get('requestId'),
        }).catch((e: unknown) => log.error({ err: e }, 'could not record a data-access attempt'));
        throw err;
      }
    };

  return new Hono<AppEnv>()
    .post(
      '/get-data/v1',
      handle('get-data', (form, key) => getData(form, key, false))
    )
    .post(
      '/get-data/v2',
      handle('get-data-v2', (form, key) => getData(form, key, true))
    )
    .post(
      '/get-studies/v1',
      handle('get-studies', async (_form, key, c) => {
        const q = db('studies').whereNull('deleted_at').orderBy('id').select('object_id', 'name');
        if (key.studyId !== null) void q.where({ id: key.studyId });
        const rows = (await q) as { object_id: string; name: string }[];
        return { response: c.json(Object.fromEntries(rows.map((r) => [r.object_id, r.name]))), outcome: 'ok' };
      })
    )
    .post('/get-participant-ids/v1', handle('get-participant-ids', participantIds))
    .post('/get-users/v1', handle('get-users', participantIds))
    .post(
      '/get-study-settings/v1',
      handle('get-study-settings', async (form, key, c) => {
        const study = await keyStudy(db, key, form);
        return { response: c.json(await beiweStudySettings(db, study)), studyId: study.id, outcome: 'ok' };
      })
    )
    .route('/', participantDataRoutes(deps, handle));

  /** `/get-data/v1`, and v2 (`zstdEntries`): Beiwe's compressed variant, the same entries each as a zstd frame. */
  async function getData(form: Form, key: DataAccessKey, zstdEntries: boolean): Promise<Handled> {
    const study = await keyStudy(db, key, form);
    const streams = parseStreams(listField(form, 'data_streams'));
    const participants = await studyParticipants(
      db,
      study.id,
      listField(form, 'participant_ids') ?? listField(form, 'user_ids')
    );
    const from = parseBeiweTime(form, 'time_start');
    const to = parseBeiweTime(form, 'time_end');
    const registry = parseRegistry(form);
    const summary: ExportSummary = { entries: 0, skipped: 0, rows: 0, bytes: 0 };
    let attemptId: number | undefined;
    const body = exportZip(
      deps,
      {
        studyObjectId: study.objectId,
        participants,
        streams,
        from,
        to,
        registry,
        method: 'store',
        zstdEntries,
        withRegistry: textField(form, 'web_form') === undefined,
      },
      summary
    );
    const response = zipResponse(body, 'data.zip', (err) => {
      const outcome = err
        ? `failed while streaming: ${err instanceof AppError ? err.message : 'internal error'}`
        : `sent ${summary.entries} entries (${summary.skipped} unchanged skipped), ${summary.rows} rows, ${summary.bytes} bytes`;
      if (err) log.error({ err }, 'data export failed while streaming');
      if (attemptId !== undefined) void finishAttempt(db, attemptId, outcome).catch(() => undefined);
    });
    return {
      response,
      studyId: study.id,
      outcome: `streaming ${streams.length} streams for ${participants.length} participants`,
      attemptDone: (id) => (attemptId = id),
    };
  }

  async function participantIds(form: Form, key: DataAccessKey, c: Context<AppEnv>): Promise<Handled> {
    const study = await keyStudy(db, key, form);
    const participants = await studyParticipants(db, study.id);
    return { response: c.json(participants.map((p) => p.patientId)), studyId: study.id, outcome: 'ok' };
  }
}

/** What was asked, for the record: never the secret. */
function summariseQuery(form: Form): Record<string, unknown> {
  const keep = [
    'study_id',
    'study_pk',
    'data_streams',
    'participant_ids',
    'user_ids',
    'time_start',
    'time_end',
    'participant_id',
    'data_format',
    'omit_keys',
  ];
  const out: Record<string, unknown> = {};
  for (const field of keep) if (form[field] !== undefined) out[field] = form[field];
  if (form.registry !== undefined) out.registry = 'given';
  return out;
}
