import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { canChange } from '../auth/grafana-proxy.ts';
import { ForbiddenError } from '../errors.ts';
import { validate } from '../validate.ts';
import {
  credentialStatus,
  saveCredentials,
  type CredentialChanges,
  type CredentialStatus,
} from './credential-store.ts';
import { ServiceAccount } from './google-auth.ts';
import { parseFlatPlist } from './plist.ts';

/** A JSON file pasted as text or sent as an object. */
const jsonFile = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, schema);

/** google-services.json: only what identifies it is checked; the app reads the rest. */
const AndroidGoogleServices = z.looseObject({
  project_info: z.looseObject({ project_id: z.string({ error: 'is required' }).min(1) }, { error: 'is required' }),
  client: z.array(z.unknown(), { error: 'must be the list of apps in the file' }),
});

const CredentialsBody = z
  .strictObject({
    serviceAccount: jsonFile(ServiceAccount).optional(),
    androidGoogleServices: jsonFile(AndroidGoogleServices).optional(),
    iosPlist: z.string({ error: 'must be the text of GoogleService-Info.plist' }).min(1).max(100_000).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, {
    error: 'name at least one of serviceAccount, androidGoogleServices, iosPlist',
  });

const KIND = { 'service-account': 'serviceAccount', android: 'android', ios: 'ios' } as const;
const ByKind = z.object({
  kind: z.enum(Object.keys(KIND) as [keyof typeof KIND], { error: 'must be service-account, android or ios' }),
});

/** Which credentials are set, never their contents (audit rows carry the same flags). */
const flags = (s: CredentialStatus) => ({
  serviceAccount: s.serviceAccount,
  android: s.android,
  ios: s.ios,
  projectId: s.projectId,
});

/**
 * `/push/credentials`: the Firebase credentials, Admin only (reading too). Secrets go in, sealed
 * by the vault; nothing but which are set, the sending project and Google's last refusal comes out.
 */
export function pushCredentialRoutes({ db, vault, clock }: AppDeps) {
  const requireAdmin = (c: Context<AppEnv>) => {
    const caller = c.get('caller');
    if (!canChange(caller))
      throw new ForbiddenError(`${caller.login} is not an Admin: push credentials need the Admin role`);
  };
  const change = async (c: Context<AppEnv>, changes: CredentialChanges) => {
    const now = clock();
    const status = await db.transaction(async (trx) => {
      const before = await credentialStatus(trx);
      await saveCredentials(trx, vault, changes, c.get('caller').login, now);
      const after = await credentialStatus(trx);
      await recordAudit(trx, now, {
        ...actorOf(c),
        action: 'push.credentials.update',
        target: { type: 'push-credentials', id: 1 },
        before: flags(before),
        after: flags(after),
      });
      return after;
    });
    return c.json(status);
  };
  return new Hono<AppEnv>()
    .get('/push/credentials', async (c) => {
      requireAdmin(c);
      return c.json(await credentialStatus(db));
    })
    .put('/push/credentials', validate('json', CredentialsBody), async (c) => {
      requireAdmin(c);
      const body = c.req.valid('json');
      return change(c, {
        ...(body.serviceAccount && { serviceAccount: body.serviceAccount }),
        ...(body.androidGoogleServices && { android: body.androidGoogleServices }),
        ...(body.iosPlist !== undefined && { ios: parseFlatPlist(body.iosPlist) }),
      });
    })
    .delete('/push/credentials/:kind', validate('param', ByKind), async (c) => {
      requireAdmin(c);
      return change(c, { [KIND[c.req.valid('param').kind]]: null });
    });
}
