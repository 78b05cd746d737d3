import type { Knex } from 'knex';
import type { ArchiveStore } from '../../archive/store.ts';
import type { Vault } from '../../vault/vault.ts';
import { test, testConfig, type TestClock } from '../fixtures.ts';
import type { GoogleHealthSimOptions } from './google-health.ts';
import { googleHealthData, type GoogleHealthData } from './google-health-data.ts';
import { polarData, type PolarData } from './polar-data.ts';
import type { PolarSimOptions } from './polar.ts';
import type { WithingsSimOptions } from './withings.ts';
import { withingsData, type WithingsData } from './withings-data.ts';
import { startHarness, type WearablesHarness } from './wearables-harness.ts';

export type { WearablesHarness };

/** The harness on the test run's database configuration. */
export function startWearablesHarness(parts: {
  db: Knex;
  clock: TestClock;
  vault: Vault;
  archiveStore: ArchiveStore;
  env?: Record<string, string>;
  /** Extra simulator options (data endpoints, devices, quotas); the clock is always the test's. */
  sims?: { fitbit?: GoogleHealthSimOptions; withings?: WithingsSimOptions; polar?: PolarSimOptions };
}): Promise<WearablesHarness> {
  return startHarness({ ...parts, configFor: testConfig });
}

/** The db fixtures plus the harness: `wearablesTest('…', async ({ wearables, db }) => …)`. */
export const wearablesTest = test.extend<{ wearables: WearablesHarness }>({
  wearables: async ({ db, clock, vault, archiveStore }, use) => {
    const harness = await startWearablesHarness({ db, clock, vault, archiveStore });
    await use(harness);
    await harness.close();
  },
});

type SimOptions = NonNullable<Parameters<typeof startWearablesHarness>[0]['sims']>;

/** The harness with one vendor's data endpoints, made afresh for each test: `sim.data` holds what it serves. */
function simulatorTest<D>(makeData: () => D, sims: (data: D) => SimOptions) {
  return test.extend<{ sim: { wearables: WearablesHarness; data: D } }>({
    sim: async ({ db, clock, vault, archiveStore }, use) => {
      const data = makeData();
      const wearables = await startWearablesHarness({ db, clock, vault, archiveStore, sims: sims(data) });
      await use({ wearables, data });
      await wearables.close();
    },
  });
}

/** The harness with the Google Health data endpoints: `sim.data` holds the points Google serves. */
export type GoogleHealthSim = { wearables: WearablesHarness; data: GoogleHealthData };
export const googleHealthTest = simulatorTest(googleHealthData, (data) => ({ fitbit: { extend: data.extend } }));

/** The harness with Polar's data endpoints: `sim.data` holds what Polar serves. */
export type PolarSim = { wearables: WearablesHarness; data: PolarData };
export const polarTest = simulatorTest(polarData, (data) => ({ polar: { extend: data.extend } }));

/** The harness with Withings' data endpoints: `sim.data` holds what Withings serves. */
export type WithingsSim = { wearables: WearablesHarness; data: WithingsData };
export const withingsTest = simulatorTest(withingsData, (data) => ({ withings: { extend: data.extend } }));
