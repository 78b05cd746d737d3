import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { SimCore } from './core.ts';
import { bearerOf, randomHex } from './core.ts';
import type { Grants } from './grants.ts';

/**
 * Google Health subscribers (google-health-api.md §10): project-level, managed with a
 * `cloud-platform` token (never a patient's); create and a patch of the endpoint or its
 * authorization first run the verification handshake (a POST `{"type":"verification"}` with the
 * `Authorization` secret, answered 201, then one without, answered 401 or 403) and return a
 * long-running `Operation`; AUTOMATIC configs notify for every consenting user, with the secret and
 * a signature header, a JSON array of notifications.
 *
 * Not stated by the documents, so chosen here: a failed verification answers HTTP 400
 * `FAILED_PRECONDITION` at once; a second create with the same `subscriberId` answers 409
 * `ALREADY_EXISTS`; every Operation is already `done`; plain http endpoints are taken on the loopback
 * interface only (the documents require HTTPS). Known from client code only, and followed here: the
 * signature is Tink's output (0x01, a 4-byte key id, the DER ECDSA signature) in base64, and the
 * public key is served as a Tink JSON keyset (`/webhooks_public_keyset.json`).
 */

type SubscriberConfig = { dataTypes: string[]; subscriptionCreatePolicy: 'AUTOMATIC' | 'MANUAL' };
type Subscriber = {
  name: string;
  endpointUri: string;
  subscriberConfigs: SubscriberConfig[];
  secret: string;
  state: 'UNVERIFIED' | 'ACTIVE' | 'INACTIVE';
  createTime: string;
  updateTime: string;
};

export type GoogleWebhooks = {
  /** A `cloud-platform` access token this simulator accepts for the management calls. */
  readonly adminToken: string;
  subscribers(): Subscriber[];
  /** Google tells every subscriber configured for `dataType` that the user's data changed: each endpoint's status. */
  notify(healthUserId: string, dataType: string, interval: { startTime: string; endTime: string }): Promise<number[]>;
  /** Posts `body` to the subscriber's endpoint with the given Authorization (or none), signed or not: forged and replayed copies. */
  send(body: string, authorization: string | null, signed?: boolean): Promise<number>;
};

type ErrorFn = (c: Context, code: number, status: string, reason: string, message: string) => Response;

export function mountGoogleWebhooks(app: Hono, core: SimCore, grants: Grants, error: ErrorFn): GoogleWebhooks {
  const adminToken = core.remember(`ya29.admin-${randomHex(16)}`);
  const subscribers = new Map<string, Subscriber>();
  const now = () => core.clock().toISOString();

  const signing = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyId = randomBytes(4).readUInt32BE();
  const signatureOf = (body: string) => {
    const der = sign('sha256', Buffer.from(body), { key: signing.privateKey, dsaEncoding: 'der' });
    const id = Buffer.alloc(4);
    id.writeUInt32BE(keyId);
    return Buffer.concat([Buffer.from([1]), id, der]).toString('base64');
  };
  app.get('/webhooks_public_keyset.json', (c) => {
    core.record('webhooks:keyset');
    const jwk = signing.publicKey.export({ format: 'jwk' });
    const params = Buffer.from([0x08, 3, 0x10, 2, 0x18, 1]); // hash SHA256, curve NIST_P256, encoding DER
    const x = Buffer.from(jwk.x ?? '', 'base64url');
    const y = Buffer.from(jwk.y ?? '', 'base64url');
    const value = Buffer.concat([
      Buffer.from([0x08, 0, 0x12, params.length]),
      params,
      Buffer.from([0x1a, x.length]),
      x,
      Buffer.from([0x22, y.length]),
      y,
    ]);
    return c.json({
      primaryKeyId: keyId,
      key: [
        {
          keyData: {
            typeUrl: 'type.googleapis.com/google.crypto.tink.EcdsaPublicKey',
            value: value.toString('base64'),
            keyMaterialType: 'ASYMMETRIC_PUBLIC',
          },
          status: 'ENABLED',
          keyId,
          outputPrefixType: 'TINK',
        },
      ],
    });
  });

  const post = async (url: string, body: string, authorization: string | null, signed: boolean) => {
    const signature = signatureOf(body);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Google-Health-API-Webhooks',
        ...(authorization !== null && { authorization }),
        ...(signed && { 'google-health-api-signature': signature }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    await res?.body?.cancel();
    return res?.status ?? 0;
  };
  /** §10.3: both requests must get the expected answer. */
  const verify = async (uri: string, secret: string) => {
    const body = JSON.stringify({ type: 'verification' });
    return (await post(uri, body, secret, true)) === 201 && [401, 403].includes(await post(uri, body, null, true));
  };
  const manage = (c: Context): Response | undefined => {
    if (bearerOf(c) !== adminToken) {
      return error(
        c,
        401,
        'UNAUTHENTICATED',
        'ACCESS_TOKEN_TYPE_UNSUPPORTED',
        'Request had invalid authentication credentials.'
      );
    }
    return undefined;
  };
  const endpointOk = (uri: unknown): uri is string => {
    if (typeof uri !== 'string' || !URL.canParse(uri)) return false;
    const u = new URL(uri);
    return u.protocol === 'https:' || (u.protocol === 'http:' && u.hostname === '127.0.0.1');
  };
  const configsOk = (configs: unknown): configs is SubscriberConfig[] =>
    Array.isArray(configs) &&
    configs.every(
      (c: { dataTypes?: unknown; subscriptionCreatePolicy?: unknown }) =>
        Array.isArray(c.dataTypes) &&
        c.dataTypes.every((t) => typeof t === 'string') &&
        (c.subscriptionCreatePolicy === 'AUTOMATIC' || c.subscriptionCreatePolicy === 'MANUAL')
    );
  const view = (s: Subscriber) => ({
    name: s.name,
    endpointUri: s.endpointUri,
    subscriberConfigs: s.subscriberConfigs,
    endpointAuthorization: { secretSet: true },
    state: s.state,
    createTime: s.createTime,
    updateTime: s.updateTime,
  });
  const operation = (s: Subscriber) => ({
    name: `operations/${randomHex(8)}`,
    done: true,
    response: { '@type': 'type.googleapis.com/google.devicesandservices.health.v4.Subscriber', ...view(s) },
  });
  const verificationFailed = (c: Context) =>
    error(c, 400, 'FAILED_PRECONDITION', 'ENDPOINT_VERIFICATION_FAILED', 'The endpoint did not pass verification.');

  app.post('/v4/projects/:project/subscribers', async (c) => {
    core.record('subscribers:create');
    const denied = manage(c);
    if (denied) return denied;
    const id = new URL(c.req.url).searchParams.get('subscriberId') ?? `s${randomHex(8)}`;
    if (!/^[a-z][a-z0-9-]{2,34}[a-z0-9]$/.test(id)) {
      return error(c, 400, 'INVALID_ARGUMENT', 'BAD_REQUEST', 'subscriberId must be 4-36 characters [a-z0-9-].');
    }
    const name = `projects/${c.req.param('project')}/subscribers/${id}`;
    if (subscribers.has(name)) return error(c, 409, 'ALREADY_EXISTS', 'ALREADY_EXISTS', 'Subscriber already exists.');
    const body = (await c.req.json().catch(() => ({}))) as {
      endpointUri?: unknown;
      subscriberConfigs?: unknown;
      endpointAuthorization?: { secret?: unknown };
    };
    const secret = body.endpointAuthorization?.secret;
    const configs = body.subscriberConfigs ?? [];
    if (!endpointOk(body.endpointUri) || typeof secret !== 'string' || !configsOk(configs)) {
      return error(
        c,
        400,
        'INVALID_ARGUMENT',
        'BAD_REQUEST',
        'endpointUri (HTTPS) and endpointAuthorization.secret are required.'
      );
    }
    if (!(await verify(body.endpointUri, secret))) return verificationFailed(c);
    const s: Subscriber = {
      name,
      endpointUri: body.endpointUri,
      subscriberConfigs: configs,
      secret,
      state: 'ACTIVE',
      createTime: now(),
      updateTime: now(),
    };
    subscribers.set(name, s);
    return c.json(operation(s));
  });

  app.get('/v4/projects/:project/subscribers', (c) => {
    core.record('subscribers:list');
    const denied = manage(c);
    if (denied) return denied;
    const mine = [...subscribers.values()].filter((s) => s.name.startsWith(`projects/${c.req.param('project')}/`));
    return c.json({ subscribers: mine.map(view), totalSize: mine.length });
  });

  app.patch('/v4/projects/:project/subscribers/:id', async (c) => {
    core.record('subscribers:patch');
    const denied = manage(c);
    if (denied) return denied;
    // Troubleshooting page: updating with the project ID rather than its number fails.
    if (!/^\d+$/.test(c.req.param('project'))) {
      return error(c, 400, 'INVALID_ARGUMENT', 'BAD_REQUEST', 'Invalid project number in resource name');
    }
    const s = subscribers.get(`projects/${c.req.param('project')}/subscribers/${c.req.param('id')}`);
    if (!s) return error(c, 404, 'NOT_FOUND', 'NOT_FOUND', 'Subscriber not found.');
    const mask = (new URL(c.req.url).searchParams.get('updateMask') ?? '').split(',').filter(Boolean);
    const body = (await c.req.json().catch(() => ({}))) as {
      endpointUri?: unknown;
      subscriberConfigs?: unknown;
      endpointAuthorization?: { secret?: unknown };
    };
    const uri = mask.includes('endpoint_uri') ? body.endpointUri : s.endpointUri;
    const secret = mask.includes('endpoint_authorization') ? body.endpointAuthorization?.secret : s.secret;
    const configs = mask.includes('subscriber_configs') ? body.subscriberConfigs : s.subscriberConfigs;
    if (!endpointOk(uri) || typeof secret !== 'string' || !configsOk(configs)) {
      return error(c, 400, 'INVALID_ARGUMENT', 'BAD_REQUEST', 'Invalid subscriber.');
    }
    if ((mask.includes('endpoint_uri') || mask.includes('endpoint_authorization')) && !(await verify(uri, secret))) {
      return verificationFailed(c);
    }
    Object.assign(s, { endpointUri: uri, secret, subscriberConfigs: configs, state: 'ACTIVE', updateTime: now() });
    return c.json(operation(s));
  });

  app.delete('/v4/projects/:project/subscribers/:id', (c) => {
    core.record('subscribers:delete');
    const denied = manage(c);
    if (denied) return denied;
    const name = `projects/${c.req.param('project')}/subscribers/${c.req.param('id')}`;
    if (!subscribers.delete(name)) return error(c, 404, 'NOT_FOUND', 'NOT_FOUND', 'Subscriber not found.');
    return c.json({ name: `operations/${randomHex(8)}`, done: true, response: {} });
  });

  return {
    adminToken,
    subscribers: () => [...subscribers.values()].map((s) => ({ ...s })),
    async notify(healthUserId, dataType, interval) {
      // AUTOMATIC: every consenting user, no per-user subscription (§10.2).
      if (!grants.grantsOf(healthUserId).some((g) => !g.revoked)) return [];
      const statuses: number[] = [];
      for (const s of subscribers.values()) {
        const config = s.subscriberConfigs.find((cfg) => cfg.dataTypes.includes(dataType));
        if (s.state !== 'ACTIVE' || config?.subscriptionCreatePolicy !== 'AUTOMATIC') continue;
        const body = JSON.stringify([
          {
            data: {
              version: '1',
              clientProvidedSubscriptionName: s.name,
              healthUserId,
              operation: 'UPSERT',
              dataType,
              intervals: [{ physicalTimeInterval: interval }],
            },
          },
        ]);
        statuses.push(await post(s.endpointUri, body, s.secret, true));
      }
      return statuses;
    },
    async send(body, authorization, signed = true) {
      const s = [...subscribers.values()][0];
      if (!s) throw new Error('no subscriber to send to');
      return post(s.endpointUri, body, authorization, signed);
    },
  };
}
