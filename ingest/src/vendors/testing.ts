import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createTestClock, testVault } from '../test/fixtures.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { createOwnDatabase } from '../test/test-db.ts';

/** The instant every notification test starts from, and returns to before each test. */
const NOTIFICATIONS_AT = '2026-11-21T09:00:00Z';

/**
 * Test tooling for a vendor's notification tests, called inside their `describe`: a database of
 * their own and the wearables harness with notifications on (the simulators call its callback URLs
 * over real HTTP), on a clock set back before each test. `db` and `wearables` exist once the
 * suite's `beforeAll` has run.
 */
export function notificationsHarness(name: string) {
  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
  let harness: WearablesHarness | undefined;
  const clock = createTestClock(new Date(NOTIFICATIONS_AT));
  beforeAll(async () => {
    own = await createOwnDatabase(`vigil_own_notify_${name}`);
    harness = await startWearablesHarness({
      db: own.db,
      clock,
      vault: testVault(),
      archiveStore: createLocalArchiveStore(`/tmp/vigil-notify-${name}-archive`),
      env: { VIGIL_WEARABLES_NOTIFICATIONS: 'true' },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await own?.drop();
  });
  beforeEach(() => clock.set(new Date(NOTIFICATIONS_AT)));
  const h = {
    clock,
    get db(): Knex {
      if (!own) throw new Error('the notifications harness is not started yet');
      return own.db;
    },
    get wearables(): WearablesHarness {
      if (!harness) throw new Error('the notifications harness is not started yet');
      return harness;
    },
    /** A connection's pull jobs, oldest first. */
    jobsOf: async (connectionId: number) =>
      (await h
        .db('wearable_pull_jobs')
        .where({ connection_id: connectionId })
        .orderBy('id')
        .select('kind', 'state', 'requested_by')) as { kind: string; state: string; requested_by: string }[],
  };
  return h;
}
