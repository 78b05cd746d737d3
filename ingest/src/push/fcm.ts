import { z } from 'zod';
import type { FcmMessage } from './messages.ts';
import { serviceAccountClient, type ServiceAccount } from './google-auth.ts';

/**
 * What became of one send, in the classes FCM's error-code reference tells senders to handle:
 * - `sent`;
 * - `unregistered` (404 UNREGISTERED): the token is dead, the phone needs a new one;
 * - `retry` (429 QUOTA_EXCEEDED, 503 UNAVAILABLE, 500 INTERNAL, other 5xx, no answer): try again
 *   later, no sooner than `retryAfterMs` when FCM said so;
 * - `credential` (the token endpoint refused the service account, 401/403 on the project, 401
 *   THIRD_PARTY_AUTH_ERROR: the project's APNs key): nothing will go out until an operator acts;
 * - `rejected` (400 INVALID_ARGUMENT, 403 SENDER_ID_MISMATCH, anything else): this message fails.
 * `reason` is a short fixed code for metrics and the notification's row; `detail` Google's text.
 */
export type SendOutcome =
  | { kind: 'sent'; messageId: string }
  | { kind: 'unregistered'; reason: 'unregistered' }
  | { kind: 'retry'; reason: 'quota' | 'unavailable' | 'internal' | 'unreachable'; retryAfterMs?: number }
  | {
      kind: 'credential';
      reason: 'token_refused' | 'unauthenticated' | 'permission_denied' | 'apns_auth';
      detail: string;
    }
  | { kind: 'rejected'; reason: 'invalid' | 'sender_id_mismatch' | 'other'; detail: string };

export type FcmSender = { readonly projectId: string; send(message: FcmMessage): Promise<SendOutcome> };

const RpcError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().default(''),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional(), errorCode: z.string().optional() })).optional(),
  }),
});
const SendAnswer = z.object({ name: z.string() });

export function createFcmSender(
  account: ServiceAccount,
  urls: { fcmBaseUrl: string; oauthBaseUrl: string },
  fetchImpl: typeof fetch = fetch
): FcmSender {
  let auth = serviceAccountClient(account, urls.oauthBaseUrl);
  const endpoint = `${urls.fcmBaseUrl}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`;

  async function accessToken(): Promise<string | SendOutcome> {
    try {
      const { token } = await auth.getAccessToken();
      if (!token)
        return { kind: 'credential', reason: 'token_refused', detail: 'the token endpoint gave no access token' };
      return token;
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status;
      // A 4xx is Google refusing the account (deleted key, wrong clock, disabled account); the rest may pass.
      if (status !== undefined && status >= 400 && status < 500)
        return { kind: 'credential', reason: 'token_refused', detail: (err as Error).message.slice(0, 300) };
      return { kind: 'retry', reason: 'unreachable' };
    }
  }

  async function attempt(message: FcmMessage): Promise<SendOutcome> {
    const token = await accessToken();
    if (typeof token !== 'string') return token;
    let res: Response;
    try {
      res = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      return { kind: 'retry', reason: 'unreachable' };
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (res.ok) {
      const answer = SendAnswer.safeParse(body);
      return { kind: 'sent', messageId: answer.success ? answer.data.name.slice(0, 200) : '' };
    }
    return classify(res, body);
  }

  return {
    projectId: account.project_id,
    async send(message) {
      const outcome = await attempt(message);
      if (outcome.kind !== 'credential' || outcome.reason !== 'unauthenticated') return outcome;
      // An access token can die before its expiry (revoked, rotated): one fresh token before giving up.
      auth = serviceAccountClient(account, urls.oauthBaseUrl);
      return attempt(message);
    },
  };
}

function classify(res: Response, body: unknown): SendOutcome {
  const parsed = RpcError.safeParse(body);
  const error = parsed.success ? parsed.data.error : { message: '', status: undefined, details: undefined };
  const fcmCode = error.details?.find(
    (d) => d['@type'] === 'type.googleapis.com/google.firebase.fcm.v1.FcmError'
  )?.errorCode;
  const detail = `${res.status} ${error.status ?? ''} ${error.message}`.trim().slice(0, 300);
  const retryAfterMs = retryAfter(res.headers.get('retry-after'));
  const later = retryAfterMs === undefined ? {} : { retryAfterMs };
  switch (fcmCode) {
    case 'UNREGISTERED':
      return { kind: 'unregistered', reason: 'unregistered' };
    case 'QUOTA_EXCEEDED':
      return { kind: 'retry', reason: 'quota', ...later };
    case 'UNAVAILABLE':
      return { kind: 'retry', reason: 'unavailable', ...later };
    case 'INTERNAL':
      return { kind: 'retry', reason: 'internal', ...later };
    case 'THIRD_PARTY_AUTH_ERROR':
      return { kind: 'credential', reason: 'apns_auth', detail };
    case 'SENDER_ID_MISMATCH':
      return { kind: 'rejected', reason: 'sender_id_mismatch', detail };
    case 'INVALID_ARGUMENT':
      return { kind: 'rejected', reason: 'invalid', detail };
  }
  if (res.status === 401) return { kind: 'credential', reason: 'unauthenticated', detail };
  if (res.status === 403) return { kind: 'credential', reason: 'permission_denied', detail };
  if (res.status === 429) return { kind: 'retry', reason: 'quota', ...later };
  if (res.status >= 500) return { kind: 'retry', reason: res.status === 503 ? 'unavailable' : 'internal', ...later };
  return { kind: 'rejected', reason: res.status === 400 ? 'invalid' : 'other', detail };
}

/** `Retry-After` as seconds or an HTTP date. */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
