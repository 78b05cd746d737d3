import { z } from 'zod';

/**
 * The wearable providers' configuration keys, merged into the one environment schema in
 * `config.ts`. A provider without a client id is simply unavailable; every base URL can be pointed
 * elsewhere (tests use the simulators on 127.0.0.1).
 */

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** HTTPS, or plain HTTP on the loopback interface only (the test simulators). */
const endpoint = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
    .refine(
      (value) => new URL(value).protocol === 'https:' || loopbackHosts.has(new URL(value).hostname),
      'expected https (plain http only on 127.0.0.1 or localhost)'
    )
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ''));

const optionalText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().trim().min(1).optional()
);

export const ProviderEnv = {
  VIGIL_CONNECT_LINK_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  VIGIL_FITBIT_CLIENT_ID: optionalText,
  VIGIL_FITBIT_CLIENT_SECRET: optionalText,
  VIGIL_FITBIT_AUTH_URL: endpoint('https://accounts.google.com/o/oauth2/v2/auth'),
  VIGIL_FITBIT_TOKEN_URL: endpoint('https://oauth2.googleapis.com/token'),
  VIGIL_FITBIT_REVOKE_URL: endpoint('https://oauth2.googleapis.com/revoke'),
  VIGIL_FITBIT_API_URL: endpoint('https://health.googleapis.com'),
  VIGIL_FITBIT_LEGACY_API_URL: endpoint('https://api.fitbit.com'),
  VIGIL_FITBIT_WEBHOOK_KEYS_URL: endpoint(
    'https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json'
  ),
  VIGIL_WITHINGS_CLIENT_ID: optionalText,
  VIGIL_WITHINGS_CLIENT_SECRET: optionalText,
  VIGIL_WITHINGS_AUTH_URL: endpoint('https://account.withings.com/oauth2_user/authorize2'),
  VIGIL_WITHINGS_API_URL: endpoint('https://wbsapi.withings.net'),
  VIGIL_POLAR_CLIENT_ID: optionalText,
  VIGIL_POLAR_CLIENT_SECRET: optionalText,
  VIGIL_POLAR_AUTH_URL: endpoint('https://flow.polar.com/oauth2/authorization'),
  VIGIL_POLAR_TOKEN_URL: endpoint('https://polarremote.com/v2/oauth2/token'),
  VIGIL_POLAR_API_URL: endpoint('https://www.polaraccesslink.com'),
};

type ProviderEnv = z.infer<z.ZodObject<typeof ProviderEnv>>;

export type ClientCredentials = { readonly clientId: string; readonly clientSecret: string };

export type WearablesConfig = ReturnType<typeof wearablesConfig>;

const client = (id: string | undefined, secret: string | undefined): ClientCredentials | null =>
  id !== undefined && secret !== undefined ? { clientId: id, clientSecret: secret } : null;

export function wearablesConfig(env: ProviderEnv) {
  return {
    connectLinkDays: env.VIGIL_CONNECT_LINK_DAYS,
    fitbit: {
      client: client(env.VIGIL_FITBIT_CLIENT_ID, env.VIGIL_FITBIT_CLIENT_SECRET),
      authUrl: env.VIGIL_FITBIT_AUTH_URL,
      tokenUrl: env.VIGIL_FITBIT_TOKEN_URL,
      revokeUrl: env.VIGIL_FITBIT_REVOKE_URL,
      apiUrl: env.VIGIL_FITBIT_API_URL,
      legacyApiUrl: env.VIGIL_FITBIT_LEGACY_API_URL,
      /** The public keys Google Health signs webhook deliveries with. */
      webhookKeysUrl: env.VIGIL_FITBIT_WEBHOOK_KEYS_URL,
    },
    withings: {
      client: client(env.VIGIL_WITHINGS_CLIENT_ID, env.VIGIL_WITHINGS_CLIENT_SECRET),
      authUrl: env.VIGIL_WITHINGS_AUTH_URL,
      apiUrl: env.VIGIL_WITHINGS_API_URL,
    },
    polar: {
      client: client(env.VIGIL_POLAR_CLIENT_ID, env.VIGIL_POLAR_CLIENT_SECRET),
      authUrl: env.VIGIL_POLAR_AUTH_URL,
      tokenUrl: env.VIGIL_POLAR_TOKEN_URL,
      apiUrl: env.VIGIL_POLAR_API_URL,
    },
  } as const;
}

/** A client id without its secret (or the reverse) is a mistake worth refusing to start over. */
export function providerEnvProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const set = (key: string) => (env[key] ?? '').trim() !== '';
  return (['FITBIT', 'WITHINGS', 'POLAR'] as const).flatMap((name) => {
    const id = `VIGIL_${name}_CLIENT_ID`;
    const secret = `VIGIL_${name}_CLIENT_SECRET`;
    if (set(id) && !set(secret)) return [`${secret}: required when ${id} is set (it is missing)`];
    if (set(secret) && !set(id)) return [`${id}: required when ${secret} is set (it is missing)`];
    return [];
  });
}
