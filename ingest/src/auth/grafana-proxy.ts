import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../errors.ts';
import { clientAddress } from '../http/client-address.ts';
import type { Limits } from '../rate-limits/limits.ts';

/**
 * The admin API is reached only through Grafana's plugin proxy (specs/grafana.md §2.3, §2.8):
 * the proxy route injects our shared secret, and Grafana always sets `X-Grafana-Context` to the
 * signed-in user. The secret proves the request came through Grafana; the context says who it is for.
 */
export const SECRET_HEADER = 'x-vigil-secret';
export const CONTEXT_HEADER = 'x-grafana-context';

export const OrgRole = z.enum(['Admin', 'Editor', 'Viewer', 'None']);
export type OrgRole = z.infer<typeof OrgRole>;

// Grafana keeps logins in a VARCHAR(190) column (as does the audit trail): a longer one is no Grafana user.
const GRAFANA_LOGIN_MAX = 190;

const GrafanaContext = z.object({
  Login: z.string().max(GRAFANA_LOGIN_MAX),
  OrgRole: z.union([OrgRole, z.literal('').transform(() => 'None' as const)]),
  IsGrafanaAdmin: z.boolean().default(false),
  IsAnonymous: z.boolean().default(false),
});

export type Caller = { readonly login: string; readonly role: OrgRole; readonly isServerAdmin: boolean };

export type CallerVariables = { caller: Caller };

const rank: Record<OrgRole, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

export function canRead(caller: Caller): boolean {
  return caller.isServerAdmin || rank[caller.role] >= rank.Viewer;
}

export function canChange(caller: Caller): boolean {
  return caller.isServerAdmin || caller.role === 'Admin';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Wrong secrets count against the caller's address; an address with too many is refused for a while. */
export type SecretGuard = { readonly limits: Limits; readonly trustProxy: boolean };

export function grafanaProxyAuth(sharedSecret: string, guard?: SecretGuard) {
  const expected = digest(sharedSecret);
  return createMiddleware<{ Variables: CallerVariables }>(async (c, next) => {
    const address = guard && clientAddress(c, guard.trustProxy);
    if (guard && address !== undefined) {
      const wait = await guard.limits.addressBlocked('admin', address);
      if (wait !== undefined) throw new TooManyRequestsError('too many wrong shared secrets: try again later', wait);
    }
    const given = c.req.header(SECRET_HEADER);
    // Comparing fixed-length digests keeps the comparison constant-time whatever was sent.
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      if (guard && address !== undefined) await guard.limits.failed('admin', address);
      throw new UnauthorizedError('missing or wrong shared secret: call the admin API through Grafana');
    }
    const caller = parseCaller(c.req.header(CONTEXT_HEADER));
    const reading = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (reading ? !canRead(caller) : !canChange(caller)) {
      throw new ForbiddenError(
        reading
          ? `${caller.login} has no role in this organisation`
          : `${caller.login} is ${caller.role === 'None' ? 'not a member' : `a ${caller.role}`}: changes need the Admin role`
      );
    }
    c.set('caller', caller);
    await next();
  });
}

function parseCaller(header: string | undefined): Caller {
  if (header === undefined) throw new UnauthorizedError('missing X-Grafana-Context: no signed-in Grafana user');
  let json: unknown;
  try {
    // Node hands header bytes over as Latin-1; Grafana writes the user's login in UTF-8.
    json = JSON.parse(utf8.decode(Buffer.from(header, 'latin1')));
  } catch {
    throw new UnauthorizedError('X-Grafana-Context is not UTF-8 JSON');
  }
  const parsed = GrafanaContext.safeParse(json);
  if (!parsed.success) throw new UnauthorizedError('X-Grafana-Context does not describe a Grafana user');
  const { Login, OrgRole: role, IsGrafanaAdmin, IsAnonymous } = parsed.data;
  return { login: IsAnonymous || Login === '' ? 'anonymous' : Login, role, isServerAdmin: IsGrafanaAdmin };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
