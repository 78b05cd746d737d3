import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createApp } from '../app.ts';
import { insertConnection } from '../connections/store.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { asViewer, createTestClock, test, testDeps, testVault, withoutSecret } from '../test/fixtures.ts';
import { createOwnDatabase } from '../test/test-db.ts';

type CapacityJson = {
  plannedShare: number;
  notifications: boolean;
  vendors: {
    provider: string;
    activeConnections: number;
    connections: number | null;
    binding: string | null;
    clientCallsPerDay: number;
  }[];
};

describe('GET /api/v1/wearables/capacity', () => {
  // The answer counts every connection of the installation: a database of its own, so that other
  // files' connections do not count.
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  beforeAll(async () => {
    own = await createOwnDatabase('vigil_own_capacity');
  });
  afterAll(async () => {
    await own.drop();
  });

  it('a Viewer reads each vendor’s capacity for the settings in force and its active connections', async () => {
    const db = own.db;
    const clock = createTestClock();
    const app = createApp(
      testDeps({ db, clock, vault: testVault(), archiveStore: createLocalArchiveStore('/tmp/vigil-capacity-archive') })
    );
    const study = await insertStudy(db);
    for (const status of ['active', 'active', 'disconnected'] as const) {
      const p = await insertParticipant(db, study.id, {}, clock());
      await insertConnection(
        db,
        { participant_id: p.id, provider: 'polar', api: 'polar-accesslink', status, scopes_requested: '' },
        clock()
      );
    }
    const res = await app.request('/api/v1/wearables/capacity', { headers: asViewer });
    expect(res.status).toBe(200);
    const body = (await res.json()) as CapacityJson;
    expect(body).toMatchObject({ plannedShare: 0.7, notifications: false });
    // The defaults: hourly polls, Polar and Withings at most every 180 minutes (capacity.test.ts has the arithmetic).
    expect(body.vendors.map((v) => [v.provider, v.activeConnections, v.connections, v.binding])).toEqual([
      ['fitbit', 0, 120_000, 'per project per day'],
      ['withings', 0, 1374, 'per app per minute'],
      ['polar', 2, null, null],
    ]);
    // Notifications off: Polar's pull notifications, once every 15 minutes for the whole client.
    expect(body.vendors.map((v) => v.clientCallsPerDay)).toEqual([0, 0, 96]);
  });

  test('without the shared secret: 401', async ({ app }) => {
    const res = await app.request('/api/v1/wearables/capacity', { headers: withoutSecret });
    expect(res.status).toBe(401);
  });
});
