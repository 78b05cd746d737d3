import { describe, expect, it } from 'vitest';
import { nonceFor } from './links.ts';
import {
  deriveStateKey,
  hashToken,
  isLinkToken,
  parseState,
  randomToken,
  signState,
  stateIsAuthentic,
} from './state.ts';

const key = deriveStateKey('a'.repeat(64));
const claims = {
  linkId: 42,
  participantId: 7,
  provider: 'withings' as const,
  expiresAt: new Date('2026-11-28T09:00:00Z'),
};

describe('connect state', () => {
  it('verifies a state against the claims it was signed for', () => {
    const nonce = randomToken();
    const parsed = parseState(signState(key, claims, nonce));
    expect(parsed).toMatchObject({ linkId: 42, nonce });
    expect(stateIsAuthentic(key, claims, parsed!)).toBe(true);
  });

  it('fails for another participant, provider, expiry, nonce or key', () => {
    const nonce = randomToken();
    const parsed = parseState(signState(key, claims, nonce))!;
    expect(stateIsAuthentic(key, { ...claims, participantId: 8 }, parsed)).toBe(false);
    expect(stateIsAuthentic(key, { ...claims, provider: 'polar' }, parsed)).toBe(false);
    expect(stateIsAuthentic(key, { ...claims, expiresAt: new Date('2026-12-28T09:00:00Z') }, parsed)).toBe(false);
    expect(stateIsAuthentic(key, claims, { ...parsed, nonce: randomToken() })).toBe(false);
    expect(stateIsAuthentic(deriveStateKey('b'.repeat(64)), claims, parsed)).toBe(false);
  });

  it('parses only well-formed states', () => {
    const good = signState(key, claims, randomToken());
    expect(parseState(good)).not.toBeNull();
    for (const bad of ['', 'x', '42', `${good}.x`, good.replace('42.', 'x.'), good.slice(0, -1), `<script>.${good}`]) {
      expect(parseState(bad), bad).toBeNull();
    }
  });

  it('derives the nonce from the link token and key, never storing it', () => {
    const token = randomToken();
    expect(isLinkToken(token)).toBe(true);
    expect(nonceFor(key, token)).toBe(nonceFor(key, token));
    expect(nonceFor(key, token)).not.toBe(nonceFor(deriveStateKey('c'.repeat(64)), token));
    expect(hashToken(nonceFor(key, token))).toMatch(/^[0-9a-f]{64}$/);
    expect(isLinkToken('short')).toBe(false);
  });
});
