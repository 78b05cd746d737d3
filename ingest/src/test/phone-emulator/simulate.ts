import type { HttpResult } from './phone.ts';
import { createPhone, RegistrationRejected } from './phone.ts';
import type { PhoneOs } from './types.ts';

/**
 * N emulated phones × M hours against a running Vigil server: enrol (optionally through the admin
 * API), register, fetch settings and surveys, upload every file, send heartbeats, then summarise.
 */

export type Credentials = { patientId: string; temporaryPassword: string; serverUrl?: string };

export type SimulationOptions = {
  server: string;
  phones: number;
  hours: number;
  os: PhoneOs | 'mixed';
  /** Phones worked on at once; each phone's requests are sequential, as on a real device. */
  concurrency: number;
  seed: string;
  /** Start of the simulated data, Unix ms. */
  from: number;
  credentials?: readonly Credentials[];
  admin?: { secret: string; studyId: string };
  fetch?: typeof fetch;
  log?: (line: string) => void;
};

export type SimulationSummary = {
  phones: number;
  registered: number;
  files: number;
  bytes: number;
  statuses: Record<string, number>;
  requests: Record<string, number>;
  latencyMs: { uploadP50: number; uploadP95: number; allP50: number; allP95: number };
  failures: string[];
  elapsedMs: number;
};

/** Files are generated in 6-hour slices so a long run never holds every phone's whole history in memory. */
const SLICE_HOURS = 6;

export async function runSimulation(opts: SimulationOptions): Promise<SimulationSummary> {
  const doFetch = opts.fetch ?? fetch;
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const summary: SimulationSummary = {
    phones: opts.phones,
    registered: 0,
    files: 0,
    bytes: 0,
    statuses: {},
    requests: {},
    latencyMs: { uploadP50: 0, uploadP95: 0, allP50: 0, allP95: 0 },
    failures: [],
    elapsedMs: 0,
  };
  const uploadTimes: number[] = [];
  const allTimes: number[] = [];
  const record = (endpoint: string, result: HttpResult | Error) => {
    const status = result instanceof Error ? 'network error' : String(result.status);
    summary.statuses[status] = (summary.statuses[status] ?? 0) + 1;
    summary.requests[endpoint] = (summary.requests[endpoint] ?? 0) + 1;
    if (result instanceof Error) return;
    allTimes.push(result.durationMs);
    if (endpoint === 'upload') uploadTimes.push(result.durationMs);
  };
  const call = async (endpoint: string, request: () => Promise<HttpResult>): Promise<HttpResult | undefined> => {
    try {
      const result = await request();
      record(endpoint, result);
      return result;
    } catch (error) {
      record(endpoint, error instanceof Error ? error : new Error(String(error)));
      return undefined;
    }
  };

  const credentials = opts.credentials ?? (await enrolParticipants(opts, doFetch, log));
  const notedUrls = new Set<string>();
  await pool(credentials.slice(0, opts.phones), opts.concurrency, async (creds, index) => {
    const os: PhoneOs = opts.os === 'mixed' ? (index % 2 === 0 ? 'android' : 'ios') : opts.os;
    const phone = createPhone({
      os,
      serverUrl: phoneServerUrl(opts.server, creds.serverUrl, notedUrls, log),
      patientId: creds.patientId,
      temporaryPassword: creds.temporaryPassword,
      seed: `${opts.seed}/${index}`,
      fetch: doFetch,
    });
    const label = `phone ${index + 1} (${os} ${creds.patientId})`;
    try {
      record('register_user', await phone.register());
    } catch (error) {
      if (error instanceof RegistrationRejected)
        record('register_user', { status: error.status, body: error.body, path: '', durationMs: 0 });
      else record('register_user', error instanceof Error ? error : new Error(String(error)));
      summary.failures.push(`${label}: registration failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    summary.registered++;
    await call('set_fcm_token', () => phone.setFcmToken(`emulated-fcm-token-${index + 1}`));
    await call('get_latest_device_settings', () => phone.getLatestDeviceSettings());
    await call('download_surveys', () => phone.downloadSurveys());
    let files = 0;
    let bytes = 0;
    for (let hour = 0; hour < opts.hours; hour += SLICE_HOURS) {
      const slice = phone.generateFiles({
        from: opts.from + hour * 3_600_000,
        hours: Math.min(SLICE_HOURS, opts.hours - hour),
      });
      for (const file of slice) {
        const result = await call('upload', () => phone.upload(file.fileName, file.bytes));
        if (result && result.status !== 200)
          summary.failures.push(`${label}: ${file.fileName}: ${result.status} ${result.body.slice(0, 120)}`);
        files++;
        bytes += file.bytes.length;
      }
      for (let h = hour; h < Math.min(hour + SLICE_HOURS, opts.hours); h++)
        await call('mobile-heartbeat', () => phone.heartbeat());
    }
    summary.files += files;
    summary.bytes += bytes;
    log(`${label}: ${files} files, ${formatBytes(bytes)}`);
  });

  summary.latencyMs = {
    uploadP50: percentile(uploadTimes, 50),
    uploadP95: percentile(uploadTimes, 95),
    allP50: percentile(allTimes, 50),
    allP95: percentile(allTimes, 95),
  };
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/** Creates one participant per phone through Vigil's admin API, the way the Grafana plugin's proxy calls it. */
async function enrolParticipants(
  opts: SimulationOptions,
  doFetch: typeof fetch,
  log: (line: string) => void
): Promise<Credentials[]> {
  if (!opts.admin) throw new Error('give either credentials or an admin secret and study id');
  const { secret, studyId } = opts.admin;
  const run = Date.now().toString(36);
  const out: Credentials[] = [];
  for (let n = 1; n <= opts.phones; n++) {
    const response = await doFetch(
      `${opts.server.replace(/\/+$/, '')}/api/v1/studies/${encodeURIComponent(studyId)}/participants`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-vigil-secret': secret,
          'x-grafana-context': JSON.stringify({ Login: 'phone-emulator', OrgRole: 'Admin', IsGrafanaAdmin: false }),
        },
        // A run stamp keeps labels unique when the emulator is run again against the same study.
        body: JSON.stringify({ label: `emulated-${run}-${n}` }),
      }
    );
    const text = await response.text();
    if (response.status !== 201)
      throw new Error(`creating participant ${n} failed: ${response.status} ${text.slice(0, 300)}`);
    const beiwe = (JSON.parse(text) as { beiwe?: Partial<Credentials> }).beiwe;
    if (typeof beiwe?.patientId !== 'string' || typeof beiwe.temporaryPassword !== 'string') {
      throw new Error(`participant ${n} came back without beiwe credentials: ${text.slice(0, 300)}`);
    }
    const creds: Credentials = { patientId: beiwe.patientId, temporaryPassword: beiwe.temporaryPassword };
    if (typeof beiwe.serverUrl === 'string') creds.serverUrl = beiwe.serverUrl;
    out.push(creds);
  }
  log(`enrolled ${out.length} participants in study ${studyId}`);
  return out;
}

/**
 * The server URL a phone types in. The one enrolment hands out is used only when it is on the
 * same origin as --server (it may carry a path prefix); the emulator never contacts another host.
 */
function phoneServerUrl(
  server: string,
  issued: string | undefined,
  noted: Set<string>,
  log: (line: string) => void
): string {
  if (issued === undefined || issued === server) return server;
  try {
    if (new URL(issued).origin === new URL(server).origin) return issued;
  } catch {
    // not a URL: fall through to --server
  }
  if (!noted.has(issued)) log(`note: enrolment gave server URL ${issued}; phones use ${server} instead`);
  noted.add(issued);
  return server;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

async function pool<T>(items: readonly T[], size: number, worker: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(size, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      await worker(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}

export function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

export function formatSummary(s: SimulationSummary): string {
  const statuses = Object.entries(s.statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  const requests = Object.entries(s.requests)
    .map(([endpoint, n]) => `${endpoint} ${n}`)
    .join(', ');
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return [
    `phones: ${s.registered}/${s.phones} registered`,
    `files:  ${s.files} uploaded, ${formatBytes(s.bytes)}`,
    `requests: ${requests}`,
    `statuses: ${statuses}`,
    `latency: upload p50 ${ms(s.latencyMs.uploadP50)}, p95 ${ms(s.latencyMs.uploadP95)}; all p50 ${ms(s.latencyMs.allP50)}, p95 ${ms(s.latencyMs.allP95)}`,
    `elapsed: ${(s.elapsedMs / 1000).toFixed(1)} s`,
    ...(s.failures.length ? [`failures (${s.failures.length}):`, ...s.failures.slice(0, 20).map((f) => `  ${f}`)] : []),
  ].join('\n');
}
