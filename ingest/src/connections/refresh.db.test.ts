import { describe, expect } from 'vitest';
import { createDb } from '../db.ts';
import { testConfig } from '../test/fixtures.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';
import { withAccessToken } from './access.ts';
import { ConnectionUnusableError } from './errors.ts';
import type { TokenDeps } from './refresh.ts';
import { findConnection } from './store.ts';
import { openTokens } from './tokens.ts';

const HOUR = 3_600_000;

/** One authenticated call at the simulator through the token vault: what a data pull does. */
const probe = (deps: TokenDeps, connectionId: number) =>
  withAccessToken(deps, connectionId, async (token, { connection, provider }) => {
    await provider.probe(token, connection);
    return token;
  });

describe('refresh under concurrency', () => {
  test.for(['fitbit', 'withings'] as const)(
    '%s: twenty concurrent requests on an expired token cause one refresh, and all succeed',
    async (provider, { wearables, db, vault, clock }) => {
      const { connectionId } = await wearables.connected(provider);
      const before = (await findConnection(db, connectionId))!;
      clock.advance(4 * HOUR);

      const tokens = await Promise.all(Array.from({ length: 20 }, () => probe(wearables.deps, connectionId)));

      expect(wearables[provider].count('token:refresh_token')).toBe(1);
      expect(new Set(tokens).size).toBe(1);
      const after = (await findConnection(db, connectionId))!;
      expect(after.tokenVersion).toBe(before.tokenVersion + 1);
      expect(openTokens(vault, connectionId, after.tokensSealed!).accessToken).toBe(tokens[0]);
      expect(after.accessExpiresAt!.getTime()).toBeGreaterThan(clock().getTime());
    }
  );

  test.for(['fitbit', 'withings'] as const)(
    '%s: the same with two app instances on separate pools (two processes)',
    async (provider, { wearables, clock }) => {
      const { connectionId } = await wearables.connected(provider);
      clock.advance(4 * HOUR);
      const otherPool = createDb(testConfig().db);
      try {
        const other: TokenDeps = { ...wearables.deps, db: otherPool };
        const calls = Array.from({ length: 20 }, (_, i) => probe(i % 2 === 0 ? wearables.deps : other, connectionId));
        const tokens = await Promise.all(calls);
        expect(wearables[provider].count('token:refresh_token')).toBe(1);
        expect(new Set(tokens).size).toBe(1);
      } finally {
        await otherPool.destroy();
      }
    }
  );

  test('a token the provider rejects before its expiry is refreshed once for all twenty, then retried', async ({
    wearables,
    db,
    vault,
  }) => {
    const { connectionId } = await wearables.connected('fitbit');
    const stale = openTokens(vault, connectionId, (await findConnection(db, connectionId))!.tokensSealed!);
    const check = wearables.fitbit.grants.checkAccess(stale.accessToken);
    if (!check.ok) throw new Error('the simulator does not know the token');
    check.token.expiresAt = 0;

    const tokens = await Promise.all(Array.from({ length: 20 }, () => probe(wearables.deps, connectionId)));

    expect(wearables.fitbit.count('token:refresh_token')).toBe(1);
    expect(tokens.every((t) => t !== stale.accessToken)).toBe(true);
  });
});

describe('rotation rules', () => {
  test('Google: a refresh answer without a refresh token keeps the stored one', async ({
    wearables,
    db,
    vault,
    clock,
  }) => {
    const { connectionId } = await wearables.connected('fitbit');
    const first = openTokens(vault, connectionId, (await findConnection(db, connectionId))!.tokensSealed!);
    clock.advance(2 * HOUR);
    await probe(wearables.deps, connectionId);
    clock.advance(2 * HOUR);
    await probe(wearables.deps, connectionId);
    const now = openTokens(vault, connectionId, (await findConnection(db, connectionId))!.tokensSealed!);
    expect(wearables.fitbit.count('token:refresh_token')).toBe(2);
    expect(now.refreshToken).toBe(first.refreshToken);
    expect(now.accessToken).not.toBe(first.accessToken);
  });

  test('Withings: each refresh saves the new refresh token, and the old one dies once the new access token is used', async ({
    wearables,
    db,
    vault,
    clock,
  }) => {
    const { connectionId } = await wearables.connected('withings');
    const first = openTokens(vault, connectionId, (await findConnection(db, connectionId))!.tokensSealed!);
    clock.advance(4 * HOUR);
    await probe(wearables.deps, connectionId);
    const second = openTokens(vault, connectionId, (await findConnection(db, connectionId))!.tokensSealed!);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(wearables.withings.grants.checkRefresh(first.refreshToken).ok).toBe(false);
    expect(wearables.withings.grants.checkRefresh(second.refreshToken).ok).toBe(true);
    clock.advance(4 * HOUR);
    await probe(wearables.deps, connectionId);
    expect(wearables.withings.count('token:refresh_token')).toBe(2);
  });

  test('Polar: no refresh token; once the access token expires the connection needs re-consent (expired)', async ({
    wearables,
    db,
    clock,
  }) => {
    const { connectionId } = await wearables.connected('polar');
    await probe(wearables.deps, connectionId);
    clock.advance(315_360_000 * 1000);
    await expect(probe(wearables.deps, connectionId)).rejects.toBeInstanceOf(ConnectionUnusableError);
    expect(await findConnection(db, connectionId)).toMatchObject({ status: 'needs_reauth', statusReason: 'expired' });
    expect(wearables.polar.count('token:refresh_token')).toBe(0);
  });
});
