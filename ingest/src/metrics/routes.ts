import { Hono } from 'hono';
import type { Metrics } from './metrics.ts';

/**
 * The app served on `VIGIL_METRICS_PORT` only: `/metrics` for Prometheus. It is a separate listener,
 * not a route of the main app, so the proxy in front (which forwards only the main port) can never
 * expose it, and Prometheus needs no credential that also opens the admin API.
 */
export function metricsApp(metrics: Metrics) {
  return new Hono()
    .get('/metrics', async (c) =>
      c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType })
    )
    .notFound((c) => c.text('only /metrics is served here', 404));
}
