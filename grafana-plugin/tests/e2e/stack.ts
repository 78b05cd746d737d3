import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import {
  clockEnv,
  envOnMachineClock,
  startIngest,
  waitReady,
  type IngestProcess,
} from '../../../ingest/src/test/ingest-process.ts';
import { freePort } from '../../../ingest/src/test/ports.ts';
import {
  startWithingsSimulator,
  type WithingsSimOptions,
  type WithingsSimulator,
} from '../../../ingest/src/test/provider-simulators/withings.ts';
import { startFirebaseSimulator, type FirebaseSimulator } from '../../../ingest/src/test/firebase-simulator.ts';
import { createOwnDatabase } from '../../../ingest/src/test/test-db.ts';
import { startHarness, type Harness } from '../harness/server.ts';
import type { HarnessUser } from '../harness/plugin-proxy.ts';

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

export const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'grafana-plugin');

export const users = {
  admin: { id: 1, login: 'ann', name: 'Ann Admin', email: 'ann@example.org', orgRole: 'Admin', isGrafanaAdmin: false },
  viewer: {
    id: 2,
    login: 'vic',
    name: 'Vic Viewer',
    email: 'vic@example.org',
    orgRole: 'Viewer',
    isGrafanaAdmin: false,
  },
} satisfies Record<string, HarnessUser>;

export type Stack = {
  ingest: IngestProcess;
  /** Withings, simulated: the one wearable provider the ingest is configured with. */
  withings: WithingsSimulator;
  /** Firebase (FCM and Google's token endpoint), simulated: where the ingest's pushes go. */
  firebase: FirebaseSimulator;
  harness: Harness;
  browser: Browser;
  secret: string;
  /** A fresh browser session signed in as one of `users`, opened at an in-Grafana path. */
  open(user: keyof typeof users, path: string): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
};

/**
 * Everything an end-to-end test drives: a real ingest process on a database of its own (configured
 * with a simulated Withings), the harness standing in for Grafana in front of the built plugin, and
 * Debian's chromium. The ingest's public URL is its own loopback address, so the enrolment sheet's
 * server URL and connect links work from the test.
 */
export async function startStack(options: { withings?: WithingsSimOptions } = {}): Promise<Stack> {
  const { distDir, hostBundle, chromium: executablePath } = inject('pluginHarness');
  const database = await createOwnDatabase('vigil_plugin_e2e');
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-plugin-e2e-'));
  const secret = randomBytes(32).toString('hex');
  const { host, port, user, password, database: name } = database.config;
  const withings = await startWithingsSimulator(options.withings);
  const firebase = await startFirebaseSimulator();
  const ingestPort = await freePort();
  const ingest = await startIngest(
    {
      ...withings.env(),
      VIGIL_FCM_BASE_URL: firebase.url,
      VIGIL_GOOGLE_OAUTH_BASE_URL: firebase.url,
      VIGIL_DB_HOST: host,
      VIGIL_DB_PORT: String(port),
      VIGIL_DB_USER: user,
      VIGIL_DB_PASSWORD: password,
      VIGIL_DB_NAME: name,
      VIGIL_DATA_DIR: dataDir,
      VIGIL_ADMIN_SECRET: secret,
      VIGIL_PUBLIC_URL: `http://127.0.0.1:${ingestPort}`,
      VIGIL_LOG_LEVEL: 'warn',
    },
    ingestPort
  );
  await waitReady(ingest);
  const harness = await startHarness({
    distDir,
    hostBundle,
    systemJsDir: join(pkgDir('systemjs'), 'dist'),
    iconsDir: join(pkgDir('@grafana/ui'), 'dist', 'public', 'img', 'icons'),
    users,
    defaultUser: 'admin',
    settings: {
      enabled: true,
      pinned: true,
      jsonData: { ingestUrl: ingest.url },
      secureJsonData: { sharedSecret: secret },
    },
  });
  // Chromium hangs under libfaketime (its zygote never answers), so it runs on the machine's clock
  // and its pages' Date is moved to the test's. (Playwright's page clock cannot do it: it replays
  // its install on every new document by its own timestamps, which assumes one clock.)
  const browser = await chromium.launch({
    executablePath,
    env: envOnMachineClock(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  const clockOffsetMs = Object.keys(clockEnv()).length > 0 ? await offsetFrom(browser) : 0;
  await mkdir(ARTIFACTS, { recursive: true });

  return {
    ingest,
    withings,
    firebase,
    harness,
    browser,
    secret,
    async open(who, path) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: harness.url });
      await context.addCookies([{ name: 'harness_user', value: who, url: harness.url }]);
      if (clockOffsetMs !== 0) await context.addInitScript(shiftDate, clockOffsetMs);
      const page = await context.newPage();
      // A missing element should fail a step in seconds, not after Playwright's default 30 s.
      page.setDefaultTimeout(10_000);
      await page.goto(path);
      return { context, page };
    },
    async close() {
      await browser.close();
      await harness.close();
      ingest.child.kill('SIGTERM');
      await ingest.exited;
      await withings.close();
      await firebase.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Saves what the page looks like now as a test artifact (test-artifacts/ is not committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  // Icons are fetched as the page renders; wait for them so the picture shows the page as seen.
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** How far the test's clock is from the browser's. */
async function offsetFrom(browser: Browser): Promise<number> {
  const page = await browser.newPage();
  try {
    const browserNow = await page.evaluate(() => Date.now());
    return Date.now() - browserNow;
  } finally {
    await page.close();
  }
}

/** Runs in the page before its scripts: `Date` reads the clock shifted by `offsetMs`. */
function shiftDate(offsetMs: number): void {
  const RealDate = Date;
  const now = () => RealDate.now() + offsetMs;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args: unknown[], newTarget: () => unknown) =>
      Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget) as object,
    apply: () => new RealDate(now()).toString(),
    get: (target, property, receiver) =>
      property === 'now' ? now : (Reflect.get(target, property, receiver) as unknown),
  });
}
