import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import type { Knex } from 'knex';
import { createApp } from '../../app.ts';
import type { AppDeps } from '../../app-env.ts';
import type { ArchiveStore } from '../../archive/store.ts';
import { loadConfig, type Config } from '../../config.ts';
import { createLogger } from '../../log.ts';
import type { ProviderId } from '../../providers/provider.ts';
import type { Vault } from '../../vault/vault.ts';
import { asAdmin, jsonBody, testDeps, type TestClock } from '../app-deps.ts';
import { insertParticipant, insertStudy } from '../factories.ts';
import { freePort } from '../ports.ts';
import { consentOnly, visit, type Visit } from './browser.ts';
import type { Consent } from './grants.ts';
import {
  startGoogleHealthSimulator,
  type GoogleHealthSimOptions,
  type GoogleHealthSimulator,
} from './google-health.ts';
import { startPolarSimulator, type PolarSimOptions, type PolarSimulator } from './polar.ts';
import { startWithingsSimulator, type WithingsSimOptions, type WithingsSimulator } from './withings.ts';

/** `configFor` over a database of the caller's own (benches), on the run's environment. */
export const configOver =
  (database: string) =>
  (env: Record<string, string>): Config =>
    loadConfig({ ...process.env, NODE_ENV: 'test', VIGIL_DB_NAME: database, ...env });

/**
 * The ingest served over real HTTP with its public URL, configured against the three provider
 * simulators (sharing the test's clock), logging into a buffer a test can scan. Free of vitest,
 * so benches use it too; tests start it through harness.ts.
 */
export type WearablesHarness = {
  readonly fitbit: GoogleHealthSimulator;
  readonly withings: WithingsSimulator;
  readonly polar: PolarSimulator;
  readonly deps: AppDeps;
  readonly config: Config;
  readonly url: string;
  logs(): string;
  /** An admin creates a connect link through the API. */
  createLink(participantId: number, provider: ProviderId): Promise<{ id: number; url: string; expiresAt: string }>;
  /** The patient opens the link and (per `consent`) consents: the whole round trip. */
  connect(participantId: number, provider: ProviderId, consent?: Consent): Promise<Visit>;
  /** Creates a link and consents at the provider (per `consent`): the callback URL, not yet visited. */
  consentOnly(participantId: number, provider: ProviderId, consent?: Consent): Promise<string>;
  /** The audit rows written while serving the response with this `X-Request-Id`. */
  auditOf(res: { headers: Headers }): Promise<{ action: string; after: Record<string, unknown> }[]>;
  /** A new participant in a new study, connected to the provider: its connection id. */
  connected(provider: ProviderId, consent?: Consent): Promise<{ connectionId: number; participantId: number }>;
  close(): Promise<void>;
};

export async function startHarness(parts: {
  db: Knex;
  clock: TestClock;
  vault: Vault;
  archiveStore: ArchiveStore;
  /** The configuration over these keys: the test run's (vitest), or a bench's own database. */
  configFor: (env: Record<string, string>) => Config;
  env?: Record<string, string>;
  /** Extra simulator options (data endpoints, devices, quotas); the clock is always the test's. */
  sims?: { fitbit?: GoogleHealthSimOptions; withings?: WithingsSimOptions; polar?: PolarSimOptions };
}): Promise<WearablesHarness> {
  const [fitbit, withings, polar] = await Promise.all([
    startGoogleHealthSimulator({ ...parts.sims?.fitbit, clock: parts.clock }),
    startWithingsSimulator({ ...parts.sims?.withings, clock: parts.clock }),
    startPolarSimulator({ ...parts.sims?.polar, clock: parts.clock }),
  ]);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = parts.configFor({
    ...fitbit.env(),
    ...withings.env(),
    ...polar.env(),
    VIGIL_PUBLIC_URL: url,
    ...parts.env,
  });
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      output += chunk.toString();
      done();
    },
  });
  const deps: AppDeps = { ...testDeps({ ...parts, config }), log: createLogger('trace', sink) };
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port });
  const sims = { fitbit, withings, polar };

  const createLink = async (participantId: number, provider: ProviderId) => {
    const res = await fetch(`${url}/api/v1/participants/${participantId}/connect-links`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ provider }),
    });
    if (res.status !== 201) throw new Error(`connect link: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: number; url: string; expiresAt: string };
  };

  const connect = async (participantId: number, provider: ProviderId, consent: Consent = {}) => {
    const link = await createLink(participantId, provider);
    sims[provider].consent(consent);
    return visit(link.url);
  };

  return {
    ...sims,
    deps,
    config,
    url,
    logs: () => output,
    createLink,
    connect,
    async consentOnly(participantId, provider, consent = {}) {
      const link = await createLink(participantId, provider);
      sims[provider].consent(consent);
      return consentOnly(link.url);
    },
    async auditOf(res) {
      const rows = (await parts
        .db('audit_log')
        .where({ request_id: res.headers.get('x-request-id') ?? '-' })
        .orderBy('id')
        .select('action', 'after')) as { action: string; after: unknown }[];
      // MariaDB keeps JSON as text; MySQL hands back objects.
      const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;
      return rows.map((r) => ({ action: r.action, after: parse(r.after) }));
    },
    async connected(provider, consent) {
      const study = await insertStudy(parts.db);
      const participant = await insertParticipant(parts.db, study.id);
      const visited = await connect(participant.id, provider, consent);
      if (visited.status !== 200) throw new Error(`connect failed: ${visited.status} ${visited.body}`);
      const row = (await parts.db('device_connections').where({ participant_id: participant.id }).first('id')) as {
        id: number;
      };
      return { connectionId: row.id, participantId: participant.id };
    },
    async close() {
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
      await Promise.all([fitbit.close(), withings.close(), polar.close()]);
    },
  };
}
