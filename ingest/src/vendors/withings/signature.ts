import { createHmac } from 'node:crypto';
import type { ClientCredentials } from '../../providers/config.ts';
import { ProviderUnavailableError } from '../../providers/errors.ts';
import { withingsCall } from './api.ts';
import { Nonce } from './schemas.ts';

/**
 * Withings' signed calls (wearable-apis.md §4.1): hex HMAC-SHA256 keyed with the client secret over
 * the signed parameters' values, sorted by key and joined with commas.
 */
export function withingsSignature(secret: string, signed: Readonly<Record<string, string>>): string {
  const values = Object.keys(signed)
    .sort()
    .map((key) => signed[key])
    .join(',');
  return createHmac('sha256', secret).update(values).digest('hex');
}

async function getNonce(fetchFn: typeof fetch, apiUrl: string, client: ClientCredentials, now: Date) {
  const signed = {
    action: 'getnonce',
    client_id: client.clientId,
    timestamp: String(Math.floor(now.getTime() / 1000)),
  };
  const body = await withingsCall(fetchFn, `${apiUrl}/v2/signature`, {
    ...signed,
    signature: withingsSignature(client.clientSecret, signed),
  });
  const parsed = Nonce.safeParse(body);
  if (!parsed.success) throw new ProviderUnavailableError('withings', 'Withings gave no nonce');
  return parsed.data.nonce;
}

/** Revokes the user's grant (and with it every notification subscription). `userid` is sent but not signed. */
export async function revokeWithingsUser(
  fetchFn: typeof fetch,
  apiUrl: string,
  client: ClientCredentials,
  userId: string,
  now: Date
): Promise<void> {
  const nonce = await getNonce(fetchFn, apiUrl, client, now);
  const signed = { action: 'revoke', client_id: client.clientId, nonce };
  await withingsCall(fetchFn, `${apiUrl}/v2/oauth2`, {
    ...signed,
    signature: withingsSignature(client.clientSecret, signed),
    userid: userId,
  });
}
