import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { adminRoutes } from './admin/routes.ts';
import type { AppDeps, AppEnv } from './app-env.ts';
import { grafanaProxyAuth } from './auth/grafana-proxy.ts';
import { AppError, InvalidInputError, PayloadTooLargeError, statusOfCode, TooManyRequestsError } from './errors.ts';
import { createLimits } from './rate-limits/limits.ts';
import { healthRoutes } from './health/routes.ts';
import type { Logger } from './log.ts';
import { participantRoutes, studyParticipantRoutes } from './participants/routes.ts';
import { studyRoutes } from './studies/routes.ts';
import { beiweCredentialRoutes } from './beiwe/credentials/routes.ts';
import { beiweMobile } from './beiwe/mobile/routes.ts';
import { apkDownloadRoutes } from './beiwe/mobile/download.ts';
import { uploadRoutes } from './uploads/routes.ts';
import { streamRoutes } from './streams/routes.ts';
import { connectionRoutes } from './connections/routes.ts';
import { connectPublicRoutes } from './connections/public-routes.ts';
import { studyConfigRoutes } from './study-config/routes.ts';
import { wearableRoutes } from './wearables/routes.ts';
import { dataAccessAdminRoutes } from './data-access/admin-routes.ts';
import { dataAccessRoutes } from './data-access/beiwe-routes.ts';
import { syncAlertRoutes } from './sync-alerts/routes.ts';
import { notificationAdminRoutes, notificationPublicRoutes } from './wearables/notifications/routes.ts';
import { pushCredentialRoutes } from './push/credential-routes.ts';
import { pushHistoryRoutes } from './push/history-routes.ts';
import { sourcePriorityRoutes } from './source-priority/routes.ts';
import { studyMeasurementRoutes } from './study-measurements/routes.ts';
import { pushFunnelRoutes } from './push/funnel-routes.ts';

export function createApp(deps: AppDeps) {
  const limits = createLimits(deps.db, deps.config.rateLimits);
  const admin = new Hono<AppEnv>()
    .use(grafanaProxyAuth(deps.adminSecret, { limits, trustProxy: deps.config.rateLimits.trustProxy }))
    // Only once the secret is right: an unauthenticated request is answered before its body is read.
    .use(
      bodyLimit({
        maxSize: deps.config.bodies.adminMaxBytes,
        onError: () => {
          throw new PayloadTooLargeError(`request body over ${deps.config.bodies.adminMaxBytes} bytes`);
        },
      })
    )
    .route('/', adminRoutes(deps))
    .route('/studies', studyRoutes(deps))
    .route('/studies', studyParticipantRoutes(deps))
    .route('/participants', participantRoutes(deps))
    .route('/participants', beiweCredentialRoutes(deps))
    .route('/', uploadRoutes(deps))
    .route('/', streamRoutes(deps))
    .route('/', connectionRoutes(deps))
    .route('/', studyConfigRoutes(deps))
    .route('/', wearableRoutes(deps))
    .route('/', dataAccessAdminRoutes(deps))
    .route('/', syncAlertRoutes(deps))
    .route('/', notificationAdminRoutes(deps))
    .route('/', pushCredentialRoutes(deps))
    .route('/', pushHistoryRoutes(deps))
    .route('/', sourcePriorityRoutes(deps))
    .route('/', studyMeasurementRoutes(deps))
    .route('/', pushFunnelRoutes(deps));

  return (
    new Hono<AppEnv>()
      // A caller's X-Request-Id is kept beside audit rows and attempts (64 characters at most).
      .use(requestId({ limitLength: 64 }))
      .use(async (c, next) => {
        const started = performance.now();
        await next();
        const seconds = (performance.now() - started) / 1000;
        // The pattern, never the path: ids and tokens in paths would make a series per caller.
        const route = c.get('route') ?? (routePath(c) || 'unmatched');
        deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
        deps.metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
        deps.log.info(
          {
            requestId: c.get('requestId'),
            method: c.req.method,
            path: c.req.path,
            status: c.res.status,
            ms: Math.round(seconds * 1000),
          },
          'request'
        );
      })
      .onError((err, c) => {
        const { status, body, headers } = toErrorResponse(err, c.get('requestId'), deps.log);
        return c.json(body, status, headers);
      })
      // The Beiwe apps' endpoints: matched by pattern (trailing and doubled slashes, /ios) before routing.
      .use(beiweMobile(deps, limits))
      .notFound((c) =>
        c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404)
      )
      .route('/', healthRoutes(deps))
      .route('/', connectPublicRoutes(deps, limits))
      .route('/', notificationPublicRoutes(deps))
      .route('/', apkDownloadRoutes(deps))
      .route('/', dataAccessRoutes(deps, limits))
      .route('/api/v1', admin)
  );
}

type ErrorResponse = {
  status: ContentfulStatusCode;
  body: { error: { code: string; message: string; fields?: readonly { field: string; message: string }[] } };
  headers?: Record<string, string>;
};

const codeOfStatus: Partial<Record<number, string>> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
};

/** The one mapping from errors to HTTP. Unknown errors are logged and answered without details. */
export function toErrorResponse(err: Error, reqId: string, log: Logger): ErrorResponse {
  if (err instanceof AppError) {
    const fields = err instanceof InvalidInputError && err.fields.length > 0 ? { fields: err.fields } : {};
    const headers =
      err instanceof TooManyRequestsError
        ? { 'Retry-After': String(err.retryAfterSeconds) }
        : err.code === 'UNAVAILABLE'
          ? { 'Retry-After': '5' }
          : undefined;
    return {
      status: statusOfCode[err.code],
      body: { error: { code: err.code, message: err.message, ...fields } },
      ...(headers && { headers }),
    };
  }
  if (err instanceof HTTPException && err.status < 500) {
    return {
      status: err.status,
      body: { error: { code: codeOfStatus[err.status] ?? 'HTTP_ERROR', message: err.message } },
    };
  }
  if (isDatabaseUnavailable(err)) {
    log.warn({ requestId: reqId, err: err.message }, 'database unavailable or busy');
    return {
      status: 503,
      body: { error: { code: 'UNAVAILABLE', message: 'the database is unavailable or busy; try again shortly' } },
      headers: { 'Retry-After': '5' },
    };
  }
  log.error({ requestId: reqId, err }, 'unhandled error');
  return { status: 500, body: { error: { code: 'INTERNAL', message: `internal error (request ${reqId})` } } };
}

// Connection failures, a statement timed out (db.ts), and transient lock conflicts (deadlock, lock
// wait timeout) that a retry resolves.
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);

function isDatabaseUnavailable(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return err.name === 'KnexTimeoutError' || (typeof code === 'string' && unavailableCodes.has(code));
}
