import { createPublicKey, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { formOf, listen } from './provider-simulators/core.ts';

/**
 * Firebase Cloud Messaging's HTTP v1 API and Google's OAuth token endpoint, for tests. What it
 * follows (Firebase's and Google's public docs):
 * - `POST /v1/projects/{project}/messages:send` with `Authorization: Bearer <access token>` and
 *   `{"validate_only"?: bool, "message": Message}`; a Message names exactly one of `token`, `topic`
 *   or `condition`; `data` is a map of strings (no `from`, `gcm`, `message_type` nor `google.*`
 *   keys), at most 4096 bytes of keys and values; `android.priority` is NORMAL or HIGH. The answer
 *   is `{"name": "projects/{project}/messages/{id}"}`.
 * - Errors are google.rpc.Status bodies `{"error": {code, message, status, details}}`, the FCM ones
 *   with a `type.googleapis.com/google.firebase.fcm.v1.FcmError` detail naming the `errorCode`:
 *   INVALID_ARGUMENT 400, THIRD_PARTY_AUTH_ERROR 401, SENDER_ID_MISMATCH 403, UNREGISTERED 404,
 *   QUOTA_EXCEEDED 429, INTERNAL 500, UNAVAILABLE 503 (429 and 503 with `Retry-After`). A missing
 *   or bad access token is a plain 401 UNAUTHENTICATED, a token without permission on the project a
 *   403 PERMISSION_DENIED.
 * - `POST /token` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and an RS256 JWT
 *   `assertion` signed by a service account key: `iss` the account's e-mail, `aud` Google's token
 *   URL, `scope`, `iat` and `exp` at most an hour apart. The answer is `{access_token, expires_in,
 *   token_type: "Bearer"}`, errors RFC 6749 (`invalid_grant` with Google's descriptions).
 * The message texts are Google's as observed in its answers (quoted in the FCM error-codes page and
 * in firebase-admin's tests); the message id format is observed from real answers.
 */

export const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MESSAGING_SCOPES = [
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
];
const ACCESS_TTL_SECONDS = 3599;
const MAX_DATA_BYTES = 4096;
const RESERVED_DATA_KEY = /^(from|gcm|message_type|google\..*)$/;
/** FCM registration tokens: long strings of URL-safe base64 and colons (observed; their format is not documented). */
const TOKEN_SHAPE = /^[A-Za-z0-9_:-]{32,4096}$/;

export type FcmErrorCode =
  | 'INVALID_ARGUMENT'
  | 'THIRD_PARTY_AUTH_ERROR'
  | 'SENDER_ID_MISMATCH'
  | 'UNREGISTERED'
  | 'QUOTA_EXCEEDED'
  | 'INTERNAL'
  | 'UNAVAILABLE';

const FCM_ERRORS: Record<FcmErrorCode, { code: number; status: string; message: string }> = {
  INVALID_ARGUMENT: {
    code: 400,
    status: 'INVALID_ARGUMENT',
    message: 'The registration token is not a valid FCM registration token',
  },
  THIRD_PARTY_AUTH_ERROR: {
    code: 401,
    status: 'UNAUTHENTICATED',
    message: 'Auth error from APNS or Web Push Service',
  },
  SENDER_ID_MISMATCH: { code: 403, status: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  UNREGISTERED: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  QUOTA_EXCEEDED: {
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message: 'Quota exceeded for quota metric messages sent and limit per minute per project.',
  },
  INTERNAL: { code: 500, status: 'INTERNAL', message: 'Internal error encountered.' },
  UNAVAILABLE: { code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
};

export type ServiceAccountJson = {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
};

export type SentMessage = { projectId: string; message: Record<string, unknown>; validateOnly: boolean; at: Date };
export type TokenGrant = { clientEmail: string; scopes: string[]; at: Date };

export type FirebaseSimulator = {
  readonly url: string;
  close(): Promise<void>;
  /** A new service account of `projectId` (a fresh RSA key) whose JWTs the token endpoint accepts. */
  createServiceAccount(projectId: string): ServiceAccountJson;
  /** Deletes the account's key: its JWTs are refused from now on, and its access tokens too. */
  deleteKey(account: ServiceAccountJson): void;
  /** Registers `token` to `projectId`: sending to it from another project is SENDER_ID_MISMATCH. */
  bindToken(token: string, projectId: string): void;
  /** The app instance unregistered: sends to `token` answer 404 UNREGISTERED. */
  unregister(token: string): void;
  /** After `remaining` more sends, every send answers 429 QUOTA_EXCEEDED until `restoreQuota`. */
  exhaustQuota(remaining?: number, retryAfterSeconds?: number): void;
  restoreQuota(): void;
  /** The next `times` sends answer with `code` (whatever their token). */
  failNext(code: FcmErrorCode, times?: number, retryAfterSeconds?: number): void;
  /** Every access token issued so far stops working (401 UNAUTHENTICATED), as after expiry. */
  expireAccessTokens(): void;
  /** Accepted messages, in order (validate-only ones included, marked). */
  readonly sent: readonly SentMessage[];
  /** Every send request, accepted or not, with the status it got. */
  readonly attempts: readonly { projectId: string; token: unknown; status: number; at: Date }[];
  readonly grants: readonly TokenGrant[];
  /** Private keys and access tokens this simulator knows: a log scan looks for them. */
  secrets(): string[];
};

type Account = { json: ServiceAccountJson; publicKey: KeyObject; deleted: boolean };
type Access = { clientEmail: string; projectId: string; scopes: string[]; expiresAt: number; revoked: boolean };

export async function startFirebaseSimulator(options: { clock?: () => Date } = {}): Promise<FirebaseSimulator> {
  const clock = options.clock ?? (() => new Date());
  const accounts = new Map<string, Account>();
  const access = new Map<string, Access>();
  const tokenProjects = new Map<string, string>();
  const unregistered = new Set<string>();
  const queued: { code: FcmErrorCode; retryAfter: number | undefined }[] = [];
  let quota: { remaining: number; retryAfter: number } | undefined;
  const sent: SentMessage[] = [];
  const attempts: { projectId: string; token: unknown; status: number; at: Date }[] = [];
  const grants: TokenGrant[] = [];

  const rpcError = (
    c: Context,
    e: { code: number; status: string; message: string },
    details: unknown[] = [],
    headers: Record<string, string> = {}
  ) =>
    c.json(
      { error: { code: e.code, message: e.message, status: e.status, ...(details.length > 0 && { details }) } },
      e.code as 400,
      headers
    );
  const fcmError = (c: Context, code: FcmErrorCode, retryAfter?: number, message?: string) => {
    const e = FCM_ERRORS[code];
    return rpcError(
      c,
      { ...e, message: message ?? e.message },
      [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: code }],
      retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) }
    );
  };
  const badRequest = (c: Context, field: string, description: string) =>
    rpcError(c, { code: 400, status: 'INVALID_ARGUMENT', message: description }, [
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description }] },
    ]);

  const app = new Hono();

  app.post('/token', async (c) => {
    const form = await formOf(c);
    const oauthError = (error: string, description: string) => c.json({ error, error_description: description }, 400);
    if (form.get('grant_type') !== JWT_BEARER)
      return oauthError('unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return oauthError('invalid_request', 'Invalid JWT: Malformed.');
    const [headerPart, payloadPart, signature] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString()) as Record<string, unknown>;
    } catch {
      return oauthError('invalid_request', 'Invalid JWT: Malformed.');
    }
    if (header.alg !== 'RS256') return oauthError('invalid_grant', 'Invalid JWT: unsupported algorithm.');
    const account = typeof claims.iss === 'string' ? accounts.get(claims.iss) : undefined;
    if (!account) return oauthError('invalid_grant', 'Invalid grant: account not found');
    const verifier = createVerify('RSA-SHA256').update(`${headerPart}.${payloadPart}`);
    if (account.deleted || !verifier.verify(account.publicKey, Buffer.from(signature, 'base64url')))
      return oauthError('invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== GOOGLE_TOKEN_AUDIENCE) return oauthError('invalid_grant', 'Invalid JWT: Failed audience check.');
    const now = Math.floor(clock().getTime() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    // Google allows a little clock skew (observed: about five minutes) on either side.
    if (!Number.isInteger(iat) || !Number.isInteger(exp) || exp - iat > 3600 || iat > now + 300 || exp < now - 300)
      return oauthError(
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.'
      );
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
    if (scopes.length === 0) return oauthError('invalid_scope', 'Invalid oauth scope or ID token audience provided.');
    const token = `ya29.c.${randomBytes(48).toString('base64url')}`;
    access.set(token, {
      clientEmail: account.json.client_email,
      projectId: account.json.project_id,
      scopes,
      expiresAt: clock().getTime() + ACCESS_TTL_SECONDS * 1000,
      revoked: false,
    });
    grants.push({ clientEmail: account.json.client_email, scopes, at: clock() });
    return c.json({ access_token: token, expires_in: ACCESS_TTL_SECONDS, token_type: 'Bearer' });
  });

  // `messages:send` holds a colon, which Hono's patterns would read as a parameter: matched by hand.
  app.post('/v1/projects/:project/*', (c) =>
    c.req.path.endsWith(`/${c.req.param('project')}/messages:send`)
      ? send(c, c.req.param('project'))
      : rpcError(c, { code: 404, status: 'NOT_FOUND', message: 'The requested URL was not found on this server.' })
  );

  async function send(c: Context, projectId: string) {
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const grant = bearer === undefined ? undefined : access.get(bearer);
    let body: unknown;
    const record = (status: number) => {
      const message = (body as { message?: { token?: unknown } } | undefined)?.message;
      attempts.push({ projectId, token: message?.token, status, at: clock() });
    };
    if (!grant || grant.revoked || grant.expiresAt <= clock().getTime() || accounts.get(grant.clientEmail)?.deleted) {
      record(401);
      return rpcError(c, {
        code: 401,
        status: 'UNAUTHENTICATED',
        message:
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      });
    }
    if (!grant.scopes.some((s) => MESSAGING_SCOPES.includes(s))) {
      record(403);
      return rpcError(c, {
        code: 403,
        status: 'PERMISSION_DENIED',
        message: 'Request had insufficient authentication scopes.',
      });
    }
    if (grant.projectId !== projectId) {
      record(403);
      return rpcError(c, {
        code: 403,
        status: 'PERMISSION_DENIED',
        message: `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${projectId}' (or it may not exist).`,
      });
    }
    try {
      body = await c.req.json();
    } catch {
      record(400);
      return badRequest(c, '', 'Invalid JSON payload received.');
    }
    const problem = checkRequest(body);
    if (problem) {
      record(400);
      return badRequest(c, problem.field, problem.description);
    }
    const { message, validate_only: validateOnly } = body as {
      message: Record<string, unknown>;
      validate_only?: boolean;
    };
    const token = message.token as string | undefined;
    const failure = queued.shift();
    if (failure) {
      record(FCM_ERRORS[failure.code].code);
      return fcmError(c, failure.code, failure.retryAfter);
    }
    if (quota) {
      if (quota.remaining <= 0) {
        record(429);
        return fcmError(c, 'QUOTA_EXCEEDED', quota.retryAfter);
      }
      quota.remaining -= 1;
    }
    if (token !== undefined) {
      if (!TOKEN_SHAPE.test(token)) {
        record(400);
        return fcmError(c, 'INVALID_ARGUMENT');
      }
      if (unregistered.has(token)) {
        record(404);
        return fcmError(c, 'UNREGISTERED');
      }
      const owner = tokenProjects.get(token);
      if (owner !== undefined && owner !== projectId) {
        record(403);
        return fcmError(c, 'SENDER_ID_MISMATCH');
      }
    }
    record(200);
    sent.push({ projectId, message, validateOnly: validateOnly === true, at: clock() });
    return c.json({ name: `projects/${projectId}/messages/0:${clock().getTime()}%${randomBytes(8).toString('hex')}` });
  }

  const server = await listen(app);
  return {
    url: server.url,
    close: server.close,
    createServiceAccount(projectId) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const id = randomBytes(6).toString('hex');
      const email = `firebase-adminsdk-${id.slice(0, 5)}@${projectId}.iam.gserviceaccount.com`;
      const json: ServiceAccountJson = {
        type: 'service_account',
        project_id: projectId,
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: email,
        client_id: String(100_000_000_000_000_000_000n + BigInt(`0x${randomBytes(8).toString('hex')}`)),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: GOOGLE_TOKEN_AUDIENCE,
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
        universe_domain: 'googleapis.com',
      };
      accounts.set(email, {
        json,
        publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
        deleted: false,
      });
      return json;
    },
    deleteKey(account) {
      const known = accounts.get(account.client_email);
      if (known) known.deleted = true;
    },
    bindToken: (token, projectId) => void tokenProjects.set(token, projectId),
    unregister: (token) => void unregistered.add(token),
    exhaustQuota(remaining = 0, retryAfterSeconds = 60) {
      quota = { remaining, retryAfter: retryAfterSeconds };
    },
    restoreQuota() {
      quota = undefined;
    },
    failNext(code, times = 1, retryAfterSeconds) {
      const retryAfter = retryAfterSeconds ?? (code === 'UNAVAILABLE' || code === 'QUOTA_EXCEEDED' ? 10 : undefined);
      for (let i = 0; i < times; i++) queued.push({ code, retryAfter });
    },
    expireAccessTokens() {
      for (const a of access.values()) a.revoked = true;
    },
    sent,
    attempts,
    grants,
    secrets: () => [...[...accounts.values()].map((a) => a.json.private_key), ...access.keys()],
  };
}

type Problem = { field: string; description: string };

/** What the API refuses in a request before looking at the token (the proto's shape and FCM's limits). */
function checkRequest(body: unknown): Problem | undefined {
  if (!isObject(body)) return { field: '', description: 'Invalid JSON payload received. Expected an object.' };
  for (const key of Object.keys(body)) {
    if (key !== 'message' && key !== 'validate_only' && key !== 'validateOnly')
      return { field: '', description: `Invalid JSON payload received. Unknown name "${key}": Cannot find field.` };
  }
  const message = body.message;
  if (!isObject(message)) return { field: 'message', description: 'Message is not set.' };
  const known = [
    'name',
    'data',
    'notification',
    'android',
    'webpush',
    'apns',
    'fcm_options',
    'fcmOptions',
    'token',
    'topic',
    'condition',
  ];
  for (const key of Object.keys(message)) {
    if (!known.includes(key))
      return {
        field: 'message',
        description: `Invalid JSON payload received. Unknown name "${key}" at 'message': Cannot find field.`,
      };
  }
  const targets = ['token', 'topic', 'condition'].filter((k) => message[k] !== undefined);
  if (targets.length !== 1) return { field: 'message', description: 'Recipient of the message is not set.' };
  for (const [where, data] of [
    ['message.data', message.data],
    ['message.android.data', isObject(message.android) ? message.android.data : undefined],
  ] as const) {
    if (data === undefined) continue;
    if (!isObject(data))
      return { field: where, description: `Invalid value at '${where}' (type.googleapis.com/google.protobuf.Struct)` };
    let bytes = 0;
    for (const [i, [key, value]] of Object.entries(data).entries()) {
      if (typeof value !== 'string')
        return {
          field: `${where}[${i}].value`,
          description: `Invalid value at '${where}[${i}].value' (TYPE_STRING), ${JSON.stringify(value)}`,
        };
      if (RESERVED_DATA_KEY.test(key)) return { field: where, description: `Invalid data payload key: ${key}` };
      bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    }
    if (bytes > MAX_DATA_BYTES) return { field: where, description: 'Message is too big' };
  }
  if (message.notification !== undefined) {
    if (!isObject(message.notification))
      return { field: 'message.notification', description: "Invalid value at 'message.notification'" };
    for (const [key, value] of Object.entries(message.notification)) {
      if (!['title', 'body', 'image'].includes(key))
        return {
          field: 'message.notification',
          description: `Invalid JSON payload received. Unknown name "${key}" at 'message.notification': Cannot find field.`,
        };
      if (typeof value !== 'string')
        return {
          field: `message.notification.${key}`,
          description: `Invalid value at 'message.notification.${key}' (TYPE_STRING)`,
        };
    }
  }
  if (message.android !== undefined) {
    if (!isObject(message.android))
      return { field: 'message.android', description: "Invalid value at 'message.android'" };
    const priority = message.android.priority;
    if (priority !== undefined && (typeof priority !== 'string' || !PRIORITIES.includes(priority)))
      return {
        field: 'message.android.priority',
        description: `Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), ${JSON.stringify(priority)}`,
      };
  }
  if (message.apns !== undefined) {
    if (!isObject(message.apns)) return { field: 'message.apns', description: "Invalid value at 'message.apns'" };
    const headers = message.apns.headers;
    if (headers !== undefined && (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string')))
      return { field: 'message.apns.headers', description: "Invalid value at 'message.apns.headers' (TYPE_STRING)" };
    if (message.apns.payload !== undefined && !isObject(message.apns.payload))
      return { field: 'message.apns.payload', description: "Invalid value at 'message.apns.payload'" };
  }
  return undefined;
}

// The enum's names; firebase-admin sends them in lower case, which the API accepts too.
const PRIORITIES = ['NORMAL', 'HIGH', 'normal', 'high'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
