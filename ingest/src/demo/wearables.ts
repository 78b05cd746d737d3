import type { ProviderId } from '../providers/provider.ts';
import { visit } from '../test/provider-simulators/browser.ts';
import type { SimClock } from '../test/provider-simulators/core.ts';
import {
  startGoogleHealthSimulator,
  type GoogleHealthSimOptions,
  type GoogleHealthSimulator,
} from '../test/provider-simulators/google-health.ts';
import { startPolarSimulator, type PolarSimulator } from '../test/provider-simulators/polar.ts';
import { startWithingsSimulator, type WithingsSimulator } from '../test/provider-simulators/withings.ts';
import type { SyntheticWearables } from './wearable-data.ts';

export const PROVIDERS: readonly ProviderId[] = ['fitbit', 'withings', 'polar'];

export type Simulators = {
  readonly fitbit: GoogleHealthSimulator;
  readonly withings: WithingsSimulator;
  readonly polar: PolarSimulator;
  /** The ingest's configuration keys pointing at the three simulators. */
  env(): Record<string, string>;
  close(): Promise<void>;
};

/**
 * The three provider simulators serving synthetic data. Fixed client credentials (when given) let
 * an ingest started earlier with the printed environment accept the simulators' tokens.
 */
export async function startSimulators(
  data: SyntheticWearables,
  clock: SimClock,
  options: {
    credentials?: Partial<Record<ProviderId, { clientId: string; clientSecret: string }>>;
    /** Fitbit accounts' paired devices (e.g. one that stopped syncing days ago); a Charge 6 by default. */
    pairedDevices?: GoogleHealthSimOptions['pairedDevices'];
  } = {}
): Promise<Simulators> {
  const credentials = options.credentials ?? {};
  const [fitbit, withings, polar] = await Promise.all([
    startGoogleHealthSimulator({
      ...credentials.fitbit,
      clock,
      extend: data.fitbit.extend,
      ...(options.pairedDevices && { pairedDevices: options.pairedDevices }),
    }),
    startWithingsSimulator({ ...credentials.withings, clock, extend: data.withings.extend }),
    startPolarSimulator({ ...credentials.polar, clock, extend: data.polar.extend }),
  ]);
  return {
    fitbit,
    withings,
    polar,
    env: () => ({ ...fitbit.env(), ...withings.env(), ...polar.env() }),
    close: async () => void (await Promise.all([fitbit.close(), withings.close(), polar.close()])),
  };
}

/** What Grafana's plugin proxy sends for an admin, so that the demo can use the admin API directly. */
export function adminHeaders(secret: string): Record<string, string> {
  return {
    'x-vigil-secret': secret,
    'x-grafana-context': JSON.stringify({ Login: 'vigil-demo', OrgRole: 'Admin', IsGrafanaAdmin: false }),
    'content-type': 'application/json',
  };
}

/**
 * The whole patient journey for one provider: an admin creates a connect link, the patient opens
 * it and consents on the (simulated) vendor page, and lands back on the ingest's result page.
 */
export async function connectWearable(
  ingestUrl: string,
  headers: Record<string, string>,
  sims: Simulators,
  participantId: number,
  provider: ProviderId,
  options: { account?: string; consentAt?: string } = {}
): Promise<void> {
  const res = await fetch(`${ingestUrl}/api/v1/participants/${participantId}/connect-links`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ provider }),
  });
  if (res.status !== 201) throw new Error(`connect link for ${provider}: HTTP ${res.status} ${await res.text()}`);
  const link = (await res.json()) as { url: string };
  if (options.consentAt) {
    // Never walk a patient's link to a real vendor: the ingest must send it to the simulator.
    const first = await fetch(link.url, { redirect: 'manual' });
    await first.body?.cancel();
    const location = first.headers.get('location') ?? '';
    if (!location.startsWith(options.consentAt)) {
      throw new Error(
        `the ingest sends ${provider} consent to ${location || `HTTP ${first.status}`}, not the simulator`
      );
    }
  }
  sims[provider].consent(options.account ? { user: options.account } : {});
  const visited = await visit(link.url);
  if (visited.status !== 200) throw new Error(`connecting ${provider}: HTTP ${visited.status} at ${visited.url}`);
}
