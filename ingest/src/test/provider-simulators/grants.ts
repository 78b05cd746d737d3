import type { SimCore } from './core.ts';

/**
 * The OAuth state a simulated provider keeps: what the next (browserless) consent will do, the
 * authorization codes it issued, the grants they became, and their access and refresh tokens.
 * Rotation rules differ per provider and live in each simulator; this only stores and checks.
 */

/** What the simulated patient does on the consent page. */
export type Consent = {
  /** The provider account consenting; a new account when not given. */
  readonly user?: string;
  /** Scopes left ticked; all requested ones by default. */
  readonly scopes?: readonly string[];
  /** The patient presses "Deny": the provider redirects with `error=access_denied`. */
  readonly deny?: boolean;
};

export type CodeRecord = {
  code: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  userId: string;
  challenge: string | null;
  offline: boolean;
  expiresAt: number;
  used: boolean;
};

export type Grant = {
  id: number;
  userId: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
  createdAt: number;
};

export type AccessToken = {
  token: string;
  grant: Grant;
  expiresAt: number | null;
  /** Withings: the refresh token this one replaced dies when this one is first used. */
  replaces: RefreshToken | null;
  used: boolean;
};

export type RefreshToken = { token: string; grant: Grant; createdAt: number; validUntil: number | null; dead: boolean };

export type TokenCheck<T> = { ok: true; token: T } | { ok: false; why: 'unknown' | 'expired' | 'revoked' };

/** `newUser` names the account of a consent that does not say which: a new one each time. */
export function createGrants(core: SimCore, newUser: () => string) {
  const consents: Consent[] = [];
  const codes = new Map<string, CodeRecord>();
  const grants: Grant[] = [];
  const access = new Map<string, AccessToken>();
  const refresh = new Map<string, RefreshToken>();
  const now = () => core.clock().getTime();

  return {
    queueConsent: (consent: Consent) => void consents.push(consent),
    nextConsent: (): Consent & { user: string } => {
      const next = consents.shift() ?? {};
      return { ...next, user: next.user ?? newUser() };
    },
    issueCode(input: Omit<CodeRecord, 'code' | 'used' | 'expiresAt'>, ttlSeconds: number, code: string): string {
      codes.set(code, { ...input, code: core.remember(code), used: false, expiresAt: now() + ttlSeconds * 1000 });
      return code;
    },
    /** Spends a code: the second use of one is refused even before it expires. */
    takeCode(code: string): CodeRecord | 'unknown' | 'used' | 'expired' {
      const record = codes.get(code);
      if (!record) return 'unknown';
      if (record.used) return 'used';
      record.used = true;
      return record.expiresAt <= now() ? 'expired' : record;
    },
    createGrant(userId: string, clientId: string, scopes: string[]): Grant {
      const grant = { id: grants.length + 1, userId, clientId, scopes, revoked: false, createdAt: now() };
      grants.push(grant);
      return grant;
    },
    issueAccess(grant: Grant, ttlSeconds: number | null, token: string, replaces: RefreshToken | null = null) {
      const record: AccessToken = {
        token: core.remember(token),
        grant,
        expiresAt: ttlSeconds === null ? null : now() + ttlSeconds * 1000,
        replaces,
        used: false,
      };
      access.set(token, record);
      return record;
    },
    issueRefresh(grant: Grant, token: string, validForSeconds: number | null): RefreshToken {
      const record = {
        token: core.remember(token),
        grant,
        createdAt: now(),
        validUntil: validForSeconds === null ? null : now() + validForSeconds * 1000,
        dead: false,
      };
      refresh.set(token, record);
      return record;
    },
    checkAccess(token: string | null): TokenCheck<AccessToken> {
      const record = token === null ? undefined : access.get(token);
      if (!record) return { ok: false, why: 'unknown' };
      if (record.grant.revoked) return { ok: false, why: 'revoked' };
      if (record.expiresAt !== null && record.expiresAt <= now()) return { ok: false, why: 'expired' };
      return { ok: true, token: record };
    },
    checkRefresh(token: string | null): TokenCheck<RefreshToken> {
      const record = token === null ? undefined : refresh.get(token);
      if (!record) return { ok: false, why: 'unknown' };
      if (record.grant.revoked || record.dead) return { ok: false, why: 'revoked' };
      if (record.validUntil !== null && record.validUntil <= now()) return { ok: false, why: 'expired' };
      return { ok: true, token: record };
    },
    findToken: (token: string) => access.get(token)?.grant ?? refresh.get(token)?.grant,
    revokeUser(userId: string) {
      for (const g of grants) if (g.userId === userId) g.revoked = true;
    },
    grantsOf: (userId: string) => grants.filter((g) => g.userId === userId),
  };
}

export type Grants = ReturnType<typeof createGrants>;
