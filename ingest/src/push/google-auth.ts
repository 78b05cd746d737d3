import { JWT } from 'google-auth-library';
import { z } from 'zod';

/** Where google-auth-library sends its token requests (and what a service account's JWTs name as `aud`). */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** The fields of a Google service-account key file that sending needs; the rest are kept as given. */
export const ServiceAccount = z.looseObject({
  type: z.literal('service_account', { error: 'must be "service_account" (a service-account key file)' }),
  project_id: z.string().regex(/^[a-z][a-z0-9-]{3,61}[a-z0-9]$/, { error: 'must be a Firebase project id' }),
  private_key_id: z.string().min(1, { error: 'is required' }),
  private_key: z
    .string()
    .refine((k) => k.includes('-----BEGIN PRIVATE KEY-----'), { error: 'must be the PEM private key of the file' }),
  client_email: z.email({ error: 'must be the service account e-mail' }),
});
export type ServiceAccount = z.infer<typeof ServiceAccount>;

/**
 * An OAuth2 client for a service account: google-auth-library signs the JWT and exchanges it. The
 * library always posts to Google's token URL; `oauthBaseUrl` (a test's simulator, or a proxy)
 * takes that request instead, while the JWT still names Google's URL as its audience, as Google
 * requires.
 */
export function serviceAccountClient(account: ServiceAccount, oauthBaseUrl: string): JWT {
  const client = new JWT({
    email: account.client_email,
    key: account.private_key,
    keyId: account.private_key_id,
    scopes: [FCM_SCOPE],
  });
  const base = oauthBaseUrl.replace(/\/+$/, '');
  if (`${base}/token` !== GOOGLE_TOKEN_URL) {
    client.transporter.interceptors.request.add({
      resolved: (config) => {
        if (config.url.href === GOOGLE_TOKEN_URL) config.url = new URL(`${base}/token`);
        return Promise.resolve(config);
      },
    });
  }
  return client;
}
