import type { Context } from 'hono';
import type { RequestIdVariables } from 'hono/request-id';
import type { Knex } from 'knex';
import type { CallerVariables } from './auth/grafana-proxy.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { Mailer } from './sync-alerts/mailer.ts';
import type { UploadArchive } from './uploads/archive.ts';
import type { Vault } from './vault/vault.ts';

/** Everything the HTTP app needs, passed in by `main.ts` or a test. */
export type AppDeps = {
  readonly config: Config;
  readonly db: Knex;
  readonly log: Logger;
  readonly vault: Vault;
  /** The shared secret Grafana's proxy routes inject (config, or the generated development one). */
  readonly adminSecret: string;
  readonly clock: () => Date;
  /** The raw upload archive (encrypted at rest, per-study keys). */
  readonly archive: UploadArchive;
  /** Staff e-mail (disabled when no SMTP server is configured). */
  readonly mailer: Mailer;
  /** This process's Prometheus metrics (its own registry). */
  readonly metrics: Metrics;
};

/** `route`: the pattern a handler outside Hono's router answered for (the Beiwe apps' endpoints), for metrics. */
export type AppEnv = { Variables: CallerVariables & RequestIdVariables & { route?: string } };

/** Who made a change, for the audit row written beside it. */
export const actorOf = (c: Context<AppEnv>) => ({ caller: c.get('caller'), requestId: c.get('requestId') });
