/**
 * Calls per connection per day of the sync pulls (issue 15, item 1) —
 * `node --import tsx bench/late-sync.bench.ts [--connections=10] [--pulls=24]`.
 *
 * Each provider's connections are pulled `pulls` times over one day (hourly by default), through
 * pullConnection against the simulators, in two cases: the device uploads before every pull (a
 * reading an hour and a night a day), and the device is silent all day. The calls the simulators
 * logged (OAuth excluded) are divided by the connections. Call counts do not depend on latency,
 * so the simulators answer at once.
 */
import type { ProviderId } from '../src/providers/provider.ts';
import { pullConnection } from '../src/wearables/pull.ts';
import { pullDeps } from '../src/wearables/testing.ts';
import { recordReading, startSimulatedVendors, syncDevice, ymd, type Data } from './simulated-vendors.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const CONNECTIONS = arg('connections', 10);
const PULLS = arg('pulls', 24);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PROVIDERS: ProviderId[] = ['fitbit', 'withings', 'polar'];
const OAUTH = /^(token|authorize|register|identity|user$|oauth|revoke)/;
const START = new Date('2026-11-21T00:30:00Z');

/** What the device recorded in the hour before `at` (and, at the first hour of a day, the night). */
function record(data: Data, provider: ProviderId, user: string, at: number) {
  const t = at - HOUR / 2;
  const night = new Date(at).getUTCHours() === 0;
  recordReading(data, provider, user, t, night ? withingsNight(t) : {});
}

/** A Withings night ending at `t`: the sleep summary and its segment. */
const withingsNight = (t: number) => ({
  nights: [
    {
      id: t,
      timezone: 'UTC',
      model: 32,
      startdate: (t - 8 * HOUR) / 1000,
      enddate: t / 1000,
      date: ymd(t),
      data: { total_sleep_time: 25_000 },
    },
  ],
  segments: [
    {
      startdate: (t - 8 * HOUR) / 1000,
      enddate: t / 1000,
      state: 2,
      hr: { [String((t - 8 * HOUR) / 1000)]: 52 },
    },
  ],
});

async function main() {
  const { own, clock, data, wearables, close } = await startSimulatedVendors(
    'late_sync',
    new Date(START.getTime() - DAY)
  );
  const deps = pullDeps(wearables, clock);
  const pull = (connectionId: number) =>
    pullConnection(deps, connectionId, {
      mode: 'sync',
      to: clock(),
      rereadMs: 3 * DAY,
      backfillFrom: new Date(clock().getTime() - 30 * DAY),
    });
  try {
    process.stdout.write(`late-sync bench: ${CONNECTIONS} connections per provider, ${PULLS} sync pulls a day\n`);
    for (const [i, provider] of PROVIDERS.entries()) {
      for (const silent of [false, true]) {
        // Each case on days of its own: the simulators' quota windows only move forward.
        const start = START.getTime() + (2 * i + Number(silent)) * 3 * DAY;
        clock.set(new Date(start - DAY));
        const conns: { id: number; user: string }[] = [];
        for (let i = 0; i < CONNECTIONS; i++) {
          const { connectionId } = await wearables.connected(provider);
          const row = (await own.db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
            external_user_id: string;
          };
          conns.push({ id: connectionId, user: row.external_user_id });
          record(data, provider, row.external_user_id, clock().getTime());
          syncDevice(data, provider, row.external_user_id, clock());
          await pull(connectionId);
        }
        const sim = wearables[provider];
        const before = sim.calls.length;
        let errors = 0;
        for (let p = 0; p < PULLS; p++) {
          clock.set(new Date(start + (p * DAY) / PULLS));
          for (const c of conns) {
            record(data, provider, c.user, clock().getTime());
            if (!silent) syncDevice(data, provider, c.user, clock());
            errors += (await pull(c.id)).errors.length;
          }
        }
        const calls = sim.calls.slice(before).filter((c) => !OAUTH.test(c.route));
        const byRoute = new Map<string, number>();
        for (const c of calls) byRoute.set(c.route, (byRoute.get(c.route) ?? 0) + 1);
        const routes = [...byRoute.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([r, n]) => `${r} ${(n / CONNECTIONS).toFixed(1)}`)
          .join(', ');
        process.stdout.write(
          `${provider.padEnd(8)} ${silent ? 'silent ' : 'syncing'}  ${(calls.length / CONNECTIONS).toFixed(1).padStart(6)} calls/connection/day  (${routes})${errors ? `  errors ${errors}` : ''}\n`
        );
        await own
          .db('device_connections')
          .whereIn(
            'id',
            conns.map((c) => c.id)
          )
          .update({ status: 'disconnected' });
      }
    }
  } finally {
    await close();
  }
}

await main();
process.exit(0);
