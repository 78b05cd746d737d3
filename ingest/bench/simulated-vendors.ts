import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalArchiveStore } from '../src/archive/local-store.ts';
import type { ProviderId } from '../src/providers/provider.ts';
import { createTestClock, testVault } from '../src/test/app-deps.ts';
import { googleHealthData } from '../src/test/provider-simulators/google-health-data.ts';
import type { PolarSimOptions } from '../src/test/provider-simulators/polar.ts';
import { polarData } from '../src/test/provider-simulators/polar-data.ts';
import { withingsData } from '../src/test/provider-simulators/withings-data.ts';
import { configOver, startHarness } from '../src/test/provider-simulators/wearables-harness.ts';
import { createOwnDatabase } from '../src/test/test-db.ts';

/**
 * Bench tooling for the wearable benches that drive all three vendors' simulators with devices
 * that record offline and upload later: a database of the bench's own, the harness on an injected
 * clock, and the readings a device records.
 */

export const iso = (t: number) => new Date(t).toISOString();
export const ymd = (t: number) => iso(t).slice(0, 10);

export type Data = {
  google: ReturnType<typeof googleHealthData>;
  withings: ReturnType<typeof withingsData>;
  polar: ReturnType<typeof polarData>;
};

/**
 * A reading the device keeps until it uploads: a heart rate (Fitbit), a weight (Withings), the
 * day's steps to the minute and a heart rate (Polar), at `t`. `withingsNight` goes into the same
 * Withings recording.
 */
export function recordReading(
  data: Data,
  provider: ProviderId,
  user: string,
  t: number,
  withingsNight: Record<string, unknown> = {}
) {
  if (provider === 'fitbit') {
    const source = { platform: 'FITBIT', device: { displayName: 'Charge 6' } };
    data.google.recordOffline(user, 'heart-rate', [
      { dataSource: source, heartRate: { beatsPerMinute: '62', sampleTime: { physicalTime: iso(t) } } },
    ]);
  } else if (provider === 'withings') {
    data.withings.recordOffline(user, {
      measuregrps: [
        { grpid: t, attrib: 0, date: t / 1000, category: 1, measures: [{ value: 74_000, type: 1, unit: -3 }] },
      ],
      ...withingsNight,
    });
  } else {
    const date = ymd(t);
    const hhmm = iso(t).slice(11, 16);
    data.polar.recordOffline(user, {
      activities: [
        {
          start_time: `${date}T00:00:00`,
          end_time: `${date}T23:59:59`,
          steps: 30,
          samples: {
            date,
            steps: { interval_ms: 60_000, total_steps: 30, samples: [{ steps: 30, timestamp: `${date}T${hhmm}` }] },
          },
        },
      ],
      continuousHr: [{ date, heart_rate_samples: [{ heart_rate: 62, sample_time: `${hhmm}:00` }] }],
    });
  }
}

/** The device uploads what it kept, at `at`. */
export function syncDevice(data: Data, provider: ProviderId, user: string, at: Date) {
  if (provider === 'fitbit') data.google.syncDevice(user, at);
  else if (provider === 'withings') data.withings.syncDevice(user, at);
  else data.polar.syncDevice(user, at);
}

/**
 * A database named `name`, an archive in a temporary folder, and the harness with the three
 * vendors' data endpoints on a clock at `clockAt`; `close` removes all of it.
 */
export async function startSimulatedVendors(
  name: string,
  clockAt: Date,
  options: { env?: Record<string, string>; polar?: Omit<PolarSimOptions, 'extend'> } = {}
) {
  const own = await createOwnDatabase(`vigil_bench_${name}`);
  const archiveDir = await mkdtemp(join(tmpdir(), `vigil-bench-${name}-`));
  const clock = createTestClock(clockAt);
  const data: Data = { google: googleHealthData(), withings: withingsData(), polar: polarData() };
  const wearables = await startHarness({
    db: own.db,
    configFor: configOver(own.config.database),
    env: options.env,
    clock,
    vault: testVault(),
    archiveStore: createLocalArchiveStore(archiveDir),
    sims: {
      fitbit: { extend: data.google.extend, pairedDevices: data.google.pairedDevices },
      withings: { extend: data.withings.extend, devices: data.withings.devices },
      polar: { ...options.polar, extend: data.polar.extend },
    },
  });
  return {
    own,
    clock,
    data,
    wearables,
    close: async () => {
      await wearables.close();
      await own.drop();
      await rm(archiveDir, { recursive: true, force: true });
    },
  };
}
