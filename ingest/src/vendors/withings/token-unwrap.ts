import { isObject, oauthError, type Unwrap } from '../../providers/token-responses.ts';
import { classifyWithingsStatus } from './statuses.ts';

/**
 * Withings' token endpoint always answers HTTP 200 with `{status, body}`: lift `body` on success and
 * turn any other status into the RFC 6749 error openid-client understands (wearable-apis.md §2.1).
 */
export const unwrapWithingsToken: Unwrap = (_httpStatus, json) => {
  if (!isObject(json) || typeof json.status !== 'number') return null;
  const status = json.status;
  const description = `withings status ${status}`;
  switch (classifyWithingsStatus(status)) {
    case 'ok':
      return isObject(json.body)
        ? { status: 200, body: json.body }
        : { status: 400, body: oauthError('invalid_provider_response', 'withings status 0 without a body') };
    case 'auth_failed':
      return { status: 400, body: oauthError('invalid_grant', description) };
    case 'rate_limited':
      return { status: 400, body: oauthError('rate_limited', description) };
    case 'retry_later':
      return { status: 400, body: oauthError('temporarily_unavailable', description) };
    default:
      return { status: 400, body: oauthError(status === 503 ? 'invalid_grant' : 'invalid_request', description) };
  }
};
