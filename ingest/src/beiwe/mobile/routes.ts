import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { archiveUpload, commitUpload, receiveUpload } from '../../uploads/receive.ts';
import { beiweDeviceHash, hashPassword, isPatientIdShaped, verifyPassword } from '../protocol/passwords.ts';
import { MalformedBodyError, parseMobileBody, type MobileForm } from './body.ts';
import { surveysForPhone } from '../../study-config/phone-surveys.ts';
import { deviceSettingsFor } from './device-settings.ts';
import { appConfigs } from '../../push/credential-store.ts';
import { confirmNotifications } from '../../push/follow-ups.ts';
import { graphData, graphPage } from './graph.ts';
import { clientAddress } from '../../http/client-address.ts';
import { bodySource, readGatedBody, type Gate } from '../../http/gated-body.ts';
import type { Limits } from '../../rate-limits/limits.ts';
import {
  findPhone,
  recordDeviceReport,
  recordDeviceStatus,
  recordHeartbeat,
  registerPhone,
  setFcmToken,
  setPhonePassword,
  createDeviceReportMemory,
  uploadAttempt,
  type DeviceReport,
  type Phone,
} from './phone-store.ts';

const ENDPOINT =
  /^\/+(register_user|set_password|upload|download_surveys|get_latest_device_settings|mobile-heartbeat|set_fcm_token|graph)(?:\/ios)?\/*$/;

/** What `beiwe_participants.device_id` holds; phones send an Android id (16) or a UUID (36). */
const MAX_DEVICE_ID = 200;

type Endpoint =
  | 'register_user'
  | 'set_password'
  | 'upload'
  | 'download_surveys'
  | 'get_latest_device_settings'
  | 'mobile-heartbeat'
  | 'set_fcm_token'
  | 'graph';

type Call = { c: Context<AppEnv>; form: MobileForm; phone: Phone; ios: boolean; now: Date };

/**
 * The Beiwe apps' endpoints (spec §1–§2). Django serves each with and without a trailing slash and
 * the apps may double the leading one, so matching is by pattern, and nothing ever redirects (a
 * redirected POST loses its body). The answers are what the apps parse: empty bodies, short texts
 * and JSON, with 403 (Android) or 401 (iOS paths) for a failed authentication.
 */
export function beiweMobile(deps: AppDeps, limits: Limits): MiddlewareHandler<AppEnv> {
  const { bodies, uploads, rateLimits } = deps.config;
  let standIn: Promise<string> | undefined;
  // Checked in place of a password hash for unknown patient ids, so they answer as slowly as known ones.
  const standInHash = () => (standIn ??= hashPassword(beiweDeviceHash(randomBytes(16).toString('hex'))));
  const reports = createDeviceReportMemory();
  return async (c, next) => {
    const match = c.req.method === 'POST' || c.req.method === 'GET' ? ENDPOINT.exec(c.req.path) : null;
    // Beiwe serves the graph for GET too, though its credentials are read from the (then empty) form.
    if (!match || (c.req.method === 'GET' && match[1] !== 'graph')) return next();
    const endpoint = match[1] as Endpoint;
    c.set('route', `/${endpoint}`);
    if (endpoint !== 'upload') return serve(c, endpoint);
    const started = performance.now();
    const res = await serve(c, endpoint);
    deps.metrics.uploadAck.observe({ status: String(res.status) }, (performance.now() - started) / 1000);
    return res;
  };
  async function serve(c: Context<AppEnv>, endpoint: Endpoint): Promise<Response> {
    // Beiwe's own test (`determine_os_api`): the last four characters of the path name iOS.
    const ios = c.req.path.slice(-4).toLowerCase().includes('ios');
    const address = clientAddress(c, rateLimits.trustProxy);
    // Any status but 200 makes a phone keep its data and try again later.
    const wait = await limits.request('phone', address, 'phone');
    if (wait !== undefined) return c.text('too many requests, try again later', 429, { 'Retry-After': String(wait) });

    // Only an upload naming a known patient id may send more than a small form; its credentials
    // come first in the body (spec §1.2), so they are checked before the file is read.
    const upload = endpoint === 'upload';
    // The phone the gate found: the handler authenticates it without looking it up again.
    let gated: Phone | undefined;
    const gate: Gate = async (fields) => {
      const patientId = fields.get('patient_id');
      if (patientId === undefined || !fields.has('password') || !fields.has('device_id')) return undefined;
      const id = patientId.trim();
      gated = fields.get('device_id') !== '' && isPatientIdShaped(id) ? await findPhone(deps.db, id) : undefined;
      return gated ? 'open' : 'refuse';
    };
    const body = await readGatedBody(
      bodySource(c),
      {
        unauthenticated: bodies.unauthenticatedMaxBytes,
        authenticated: upload ? uploads.maxBytes : bodies.unauthenticatedMaxBytes,
      },
      upload ? gate : undefined
    );
    if (upload && body.kind === 'complete') deps.metrics.uploadBytes.observe(body.bytes.length);
    if (body.kind === 'too-large') return c.text(`request body over ${body.limit} bytes`, 413);
    if (body.kind === 'cut-short') return c.text('the request body was cut short', 400);
    let form: MobileForm;
    if (body.kind === 'refused') {
      // The answer a complete body with these credentials gets.
      form = { fields: body.fields, file: undefined, fileName: undefined };
    } else {
      try {
        form = await parseMobileBody(body.bytes, c.req.header('content-type'));
      } catch (err) {
        if (err instanceof MalformedBodyError) return c.text(err.message, 400);
        throw err;
      }
    }
    return handle({ deps, limits, standInHash, reports }, { c, endpoint, ios, form, address, gated });
  }
}

type Handler = {
  deps: AppDeps;
  limits: Limits;
  standInHash: () => Promise<string>;
  reports: ReturnType<typeof createDeviceReportMemory>;
};
type Incoming = {
  c: Context<AppEnv>;
  endpoint: Endpoint;
  ios: boolean;
  form: MobileForm;
  address: string;
  gated: Phone | undefined;
};

async function handle(
  { deps, limits, standInHash, reports }: Handler,
  { c, endpoint, ios, form, address, gated }: Incoming
): Promise<Response> {
  // set_fcm_token has no OS detection in Beiwe: it always fails with 403.
  const denied = () => c.body(null, ios && endpoint !== 'set_fcm_token' ? 401 : 403);
  const patientId = form.fields.get('patient_id')?.trim();
  const password = form.fields.get('password');
  const deviceId = form.fields.get('device_id');
  if (patientId === undefined || password === undefined || deviceId === undefined) {
    await limits.failed('phone', address);
    return denied();
  }
  if (deviceId === '') return c.text('device_id is empty', 400);
  if (deviceId.length > MAX_DEVICE_ID) return c.text(`device_id is longer than ${MAX_DEVICE_ID} characters`, 400);
  if (!isPatientIdShaped(patientId)) {
    await limits.failed('phone', address);
    return denied();
  }
  const phone = gated?.patientId === patientId ? gated : await findPhone(deps.db, patientId);
  if (endpoint === 'register_user' || endpoint === 'set_password' || endpoint === 'graph') {
    // A locked-out patient id is refused like a wrong password, and only after the same work, so
    // a guesser learns nothing from the answer or its timing, not even that the id exists.
    const locked = await limits.credentialLocked('phone', patientId);
    const correct = await verifyPassword(password, phone?.passwordHash ?? (await standInHash()));
    if (!phone || !correct) await limits.failed('phone', address, patientId);
    if (!phone || !correct || locked !== undefined) return denied();
    await limits.succeeded('phone', patientId);
  } else if (!phone) {
    await limits.failed('phone', address);
    return denied();
  }

  const now = deps.clock();
  const report = deviceReport(form, phone, ios, endpoint === 'register_user');
  // An upload records its report in its own commit.
  if (endpoint !== 'upload') await recordDeviceReport(deps.db, phone, report, now);
  if (phone.deviceInfoTracking) {
    const status = form.fields.get('device_status_report');
    await recordDeviceStatus(deps.db, phone, report, status, new URL(c.req.url).pathname, now);
  }
  const call: Call = { c, form, phone, ios, now };
  switch (endpoint) {
    case 'register_user':
      return register(deps, call);
    case 'set_password': {
      const plain = form.fields.get('new_password');
      if (plain === undefined) return c.text('new_password missing', 400);
      await setPhonePassword(deps.db, phone, await hashPassword(beiweDeviceHash(plain)), now);
      return c.body(null, 200);
    }
    case 'upload': {
      // Beiwe records the attempt even when the upload itself fails.
      const known = reports.seen(phone.participantId, report);
      const answer = await receiveUpload(
        deps,
        phone,
        form,
        phone.osType ?? (ios ? 'IOS' : 'ANDROID'),
        now,
        uploadAttempt(phone, report, now, !known)
      );
      reports.remember(phone.participantId, report);
      return c.text(answer.body, answer.status);
    }
    case 'download_surveys':
      await confirmNotifications(deps.db, phone.participantId, form.fields.get('notification_uuids'), now);
      return c.json(await surveysForPhone(deps.db, phone, now));
    case 'get_latest_device_settings':
      return c.json({
        ...(await deviceSettingsFor(deps.db, phone.studyId)),
        enable_extensive_device_info_tracking: phone.deviceInfoTracking,
      });
    case 'mobile-heartbeat':
      await recordHeartbeat(deps.db, phone, form.fields.get('message'), now);
      await confirmNotifications(deps.db, phone.participantId, form.fields.get('notification_uuids'), now);
      return c.body(null, 200);
    case 'set_fcm_token':
      await setFcmToken(deps.db, phone, form.fields.get('fcm_token') ?? '', now);
      return c.body(null, 204);
    case 'graph':
      return c.html(graphPage(await graphData(deps.db, phone)));
  }
}

async function register(deps: AppDeps, { c, form, phone, ios, now }: Call): Promise<Response> {
  const newPassword = form.fields.get('new_password');
  const phoneNumber = form.fields.get('phone_number');
  const deviceId = form.fields.get('device_id');
  if (newPassword === undefined || phoneNumber === undefined || !deviceId) {
    return c.text('new_password, phone_number and device_id are required', 400);
  }
  if (phone.retired) return c.text('participant permanently retired', 400);
  const osType = ios ? 'IOS' : 'ANDROID';
  const passwordHash = await hashPassword(beiweDeviceHash(newPassword));
  // The identifiers record is archived first and committed with the registration: a phone that
  // gets no 200 keeps its temporary password, so nothing here may change unless all of it does.
  const identifiers = await archiveIdentifiers(deps, phone, form, osType, now);
  await deps.db.transaction(async (trx) => {
    await registerPhone(trx, phone, { deviceId, osType, passwordHash }, now);
    if (identifiers) await commitUpload(trx, identifiers);
  });
  // Beiwe serves the server's Firebase app files (parsed) to both apps; null when none is set.
  const firebase = await appConfigs(deps.db, deps.vault);
  return c.json({
    client_public_key: phone.publicKey,
    device_settings: await deviceSettingsFor(deps.db, phone.studyId),
    ios_plist: firebase.ios,
    android_firebase_json: firebase.android,
    study_name: phone.studyName,
    study_id: phone.studyObjectId,
  });
}

const IDENTIFIER_COLUMNS = [
  'phone_number',
  'device_id',
  'device_os',
  'os_version',
  'product',
  'brand',
  'hardware_id',
  'manufacturer',
  'model',
  'beiwe_version',
];

/** The identifiers record Beiwe writes at registration (spec §2), kept as a server-written upload. */
function archiveIdentifiers(deps: AppDeps, phone: Phone, form: MobileForm, osType: string, now: Date) {
  // Beiwe's `request.POST.get(key, "none")`: `none` only when the field is absent; an empty one stays empty.
  const value = (key: string) => form.fields.get(key) ?? 'none';
  const csv = [
    'patient_id,MAC,phone_number,device_id,device_os,os_version,product,brand,hardware_id,manufacturer,model,beiwe_version',
    [phone.patientId, value('bluetooth_id'), ...IDENTIFIER_COLUMNS.map(value)].join(','),
  ].join('\n');
  const seconds = Math.floor(now.getTime() / 1000);
  return archiveUpload(
    deps,
    phone,
    Buffer.from(csv, 'utf8'),
    {
      fileName: `${phone.patientId}_identifiers_${seconds}.csv`,
      stream: 'identifiers',
      fileTime: new Date(seconds * 1000),
      osType,
      encrypted: false,
      status: 'queued',
      error: undefined,
      archivePath: `${phone.patientId}/identifiers/${seconds}.csv`,
    },
    now
  );
}

function deviceReport(form: MobileForm, phone: Phone, ios: boolean, registering: boolean): DeviceReport {
  const field = (key: string) => (form.fields.get(key) ?? '').slice(0, 32);
  // iOS sends its heartbeat and FCM token without /ios: once registered, the registered OS is the better guide.
  const pathOs = ios ? 'IOS' : 'ANDROID';
  const osType = registering ? pathOs : ((phone.osType as DeviceReport['osType'] | null) ?? pathOs);
  return {
    deviceId: form.fields.get('device_id') ?? '',
    osType,
    osVersion: field('os_version'),
    versionCode: field('version_code'),
    versionName: field('version_name'),
    timezone: (form.fields.get('timezone') ?? '').slice(0, 64),
  };
}
