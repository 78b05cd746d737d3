import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { queueStats } from '../uploads/queue.ts';
import type { Budgets } from '../wearables/budget.ts';

/**
 * The ingest's Prometheus metrics: one registry per app (no default global registry), passed in
 * the dependencies. Every label takes a bounded set of values (route patterns, stream names,
 * vendor ids, status codes), never raw paths or ids, so a scrape stays small however many
 * participants there are.
 */
export type Metrics = ReturnType<typeof createMetrics>;

/** Seconds: from a fast JSON answer to a 128 MB upload on a slow network. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BYTES_BUCKETS = [1_024, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864, 134_217_728];

export function createMetrics() {
  const registry = new Registry();
  const on = { registers: [registry] };
  return {
    registry,
    httpRequests: new Counter({
      name: 'vigil_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      ...on,
    }),
    httpDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route pattern',
      labelNames: ['method', 'route'] as const,
      buckets: LATENCY_BUCKETS,
      ...on,
    }),
    uploadBytes: new Histogram({
      name: 'vigil_upload_bytes',
      help: 'Size of the upload request bodies received whole from known phones',
      buckets: BYTES_BUCKETS,
      ...on,
    }),
    uploadAck: new Histogram({
      name: 'vigil_upload_ack_seconds',
      help: 'From an upload request arriving to its answer (a 200 means archived and committed), by status',
      labelNames: ['status'] as const,
      buckets: LATENCY_BUCKETS,
      ...on,
    }),
    rowsLoaded: new Counter({
      name: 'vigil_rows_loaded_total',
      help: 'Rows the upload workers stored, by Beiwe stream',
      labelNames: ['stream'] as const,
      ...on,
    }),
    uploadsProcessed: new Counter({
      name: 'vigil_uploads_processed_total',
      help: 'Uploads the workers finished, by result (processed, key_error, failed: out of attempts)',
      labelNames: ['result'] as const,
      ...on,
    }),
    decryptErrors: new Counter({
      name: 'vigil_decrypt_errors_total',
      help: 'Uploads whose key could not be decrypted (key_error) plus lines that failed to decrypt, by kind',
      labelNames: ['kind'] as const,
      ...on,
    }),
    wearableCalls: new Counter({
      name: 'vigil_wearable_calls_total',
      help: 'Calls to wearable vendors’ data APIs, by vendor and outcome (HTTP status class, or unreachable)',
      labelNames: ['vendor', 'outcome'] as const,
      ...on,
    }),
    wearablePulls: new Counter({
      name: 'vigil_wearable_pulls_total',
      help: 'Wearable pull jobs finished, by vendor and outcome (done, failed, deferred)',
      labelNames: ['vendor', 'outcome'] as const,
      ...on,
    }),
    wearableRows: new Counter({
      name: 'vigil_wearable_rows_total',
      help: 'Rows the wearable pulls wrote, by vendor',
      labelNames: ['vendor'] as const,
      ...on,
    }),
  };
}

export type PushMetrics = { sent: Counter<'platform'>; failed: Counter<'platform' | 'reason'> };

/**
 * The push-notification counters, registered in this app's registry. Push sending calls it once
 * with its metrics and counts each message: `platform` is android or ios, `reason` a short fixed
 * code (e.g. unregistered, invalid, unavailable), never a token or a vendor message.
 */
export function registerPushMetrics(metrics: Metrics): PushMetrics {
  const existing = metrics.registry.getSingleMetric('vigil_pushes_sent_total');
  if (existing) {
    return {
      sent: existing as Counter<'platform'>,
      failed: metrics.registry.getSingleMetric('vigil_pushes_failed_total') as Counter<'platform' | 'reason'>,
    };
  }
  return {
    sent: new Counter({
      name: 'vigil_pushes_sent_total',
      help: 'Push notifications the push service accepted, by platform',
      labelNames: ['platform'] as const,
      registers: [metrics.registry],
    }),
    failed: new Counter({
      name: 'vigil_pushes_failed_total',
      help: 'Push notifications refused or not delivered to the push service, by platform and reason',
      labelNames: ['platform', 'reason'] as const,
      registers: [metrics.registry],
    }),
  };
}

/**
 * The upload queue's depth and oldest job, read from the database at each scrape: every process
 * reports the same shared queue (take `max` across instances).
 */
export function watchQueue(metrics: Metrics, db: Knex, clock: () => Date): void {
  let last: Promise<Awaited<ReturnType<typeof queueStats>>> | undefined;
  // One query per scrape for both gauges.
  const read = () => (last ??= queueStats(db, clock()).finally(() => setImmediate(() => (last = undefined))));
  new Gauge({
    name: 'vigil_queue_jobs',
    help: 'Upload processing jobs in the shared queue, by state',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
    async collect() {
      const s = await read();
      this.set({ state: 'queued' }, s.queued);
      this.set({ state: 'running' }, s.running);
      this.set({ state: 'dead' }, s.dead);
    },
  });
  new Gauge({
    name: 'vigil_queue_oldest_job_age_seconds',
    help: 'Age of the oldest queued or running upload job (0 when the queue is empty)',
    registers: [metrics.registry],
    async collect() {
      this.set((await read()).oldestQueuedAgeSeconds ?? 0);
    },
  });
}

/**
 * This process's share of each vendor quota in use: the highest used/limit over the keys of one
 * quota (Fitbit's is per user, so its users are folded into one series).
 */
export function watchQuotas(metrics: Metrics, budgets: Budgets): void {
  // A scheduler started again on the same app (tests restart one) reports its own budgets.
  metrics.registry.removeSingleMetric('vigil_wearable_quota_used_ratio');
  new Gauge({
    name: 'vigil_wearable_quota_used_ratio',
    help: 'Highest share of a vendor quota spent in its current window, in this process, by quota',
    labelNames: ['quota'] as const,
    registers: [metrics.registry],
    collect() {
      const highest = new Map<string, number>();
      for (const key of Object.keys(budgets.stats())) {
        const u = budgets.usage(key);
        if (!u || u.limit <= 0) continue;
        const quota = key.replace(/:\d+$/, '');
        highest.set(quota, Math.max(highest.get(quota) ?? 0, u.used / u.limit));
      }
      for (const [quota, ratio] of highest) this.set({ quota }, ratio);
    },
  });
}

/** Event-loop delay, sampled continuously; a scrape reports the window since the last one. */
export function watchEventLoop(metrics: Metrics): { stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  // Registered into the app's registry, which scrapes call `collect` on.
  new Gauge({
    name: 'vigil_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile (p50, p99, max)',
    labelNames: ['quantile'] as const,
    registers: [metrics.registry],
    collect() {
      if (delay.count === 0) return;
      this.set({ quantile: '0.5' }, delay.percentile(50) / 1e9);
      this.set({ quantile: '0.99' }, delay.percentile(99) / 1e9);
      this.set({ quantile: 'max' }, delay.max / 1e9);
      delay.reset();
    },
  });
  return {
    stop() {
      delay.disable();
      metrics.registry.removeSingleMetric('vigil_event_loop_lag_seconds');
    },
  };
}

/** A fetch that counts each call to a vendor by outcome. */
export function countedFetch(metrics: Metrics, vendor: string, fetchFn: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      const res = await fetchFn(input, init);
      metrics.wearableCalls.inc({ vendor, outcome: `${Math.floor(res.status / 100)}xx` });
      return res;
    } catch (err) {
      metrics.wearableCalls.inc({ vendor, outcome: 'unreachable' });
      throw err;
    }
  };
}
