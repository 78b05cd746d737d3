import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createApp } from '../app.ts';
import { insertConnection } from '../connections/store.ts';
import { saveStudyMeasurements } from '../study-measurements/store.ts';
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
    callsPerConnectionPerDay: number;
    studies: { studyId: number; name: string; activeConnections: number; callsPerConnectionPerDay: number | null }[];
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

  it('a Viewer reads each vendor’s capacity for the settings in force and its active connections, by study', async () => {
    const db = own.db;
    const clock = createTestClock();
    const app = createApp(
      testDeps({ db, clock, vault: testVault(), archiveStore: createLocalArchiveStore('/tmp/vigil-capacity-archive') })
    );
    const study = await insertStudy(db);
    const narrow = await insertStudy(db);
    await saveStudyMeasurements(db, narrow.id, ['heart_rate', 'sleep'], clock());
    for (const [studyId, status] of [
      [study.id, 'active'],
      [study.id, 'active'],
      [study.id, 'disconnected'],
      [narrow.id, 'active'],
    ] as const) {
      const p = await insertParticipant(db, studyId, {}, clock());
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
      ['withings', 0, 1512, 'per app per minute'],
      ['polar', 3, null, null],
    ]);
    // Polar: 54 calls a day for the default study's connections, 16 for the one collecting heart
    // rate and sleep only; (2 × 54 + 16) / 3 = 41.33 a connection.
    const polar = body.vendors.find((v) => v.provider === 'polar');
    expect(polar?.studies).toEqual([
      { studyId: study.id, name: study.name, activeConnections: 2, callsPerConnectionPerDay: 54 },
      { studyId: narrow.id, name: narrow.name, activeConnections: 1, callsPerConnectionPerDay: 16 },
    ]);
    expect(polar?.callsPerConnectionPerDay).toBe(41.33);
    // Notifications off: Polar's pull notifications, once every 15 minutes for the whole client.
    expect(body.vendors.map((v) => v.clientCallsPerDay)).toEqual([0, 0, 96]);
  });

  test('without the shared secret: 401', async ({ app }) => {
    const res = await app.request('/api/v1/wearables/capacity', { headers: withoutSecret });
    expect(res.status).toBe(401);
  });
});
