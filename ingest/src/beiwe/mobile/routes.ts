import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { archiveUpload, commitUpload, receiveUpload } from '../../uploads/receive.ts';
import { beiweDeviceHash, hashPassword, isPatientIdShaped, verifyPassword } from '../protocol/passwords.ts';
import { MalformedBodyError, parseMobileBody, type MobileForm } from './body.ts';
import { surveysForPhone } from '../../study-config/phone-surveys.ts';
import { deviceSettingsFor } from './device-settings.ts';
import {
  findPhone,
  recordDeviceReport,
  recordHeartbeat,
  registerPhone,
  setFcmToken,
  setPhonePassword,
  touchLastUpload,
  type DeviceReport,
  type Phone,
} from './phone-store.ts';

const ENDPOINT =
  /^\/+(register_user|set_password|upload|download_surveys|get_latest_device_settings|mobile-heartbeat|set_fcm_token)(?:\/ios)?\/*$/;

/** What `beiwe_participants.device_id` holds; phones send an Android id (16) or a UUID (36). */
const MAX_DEVICE_ID = 200;

type Endpoint =
  | 'register_user'
  | 'set_password'
  | 'upload'
  | 'download_surveys'
  | 'get_latest_device_settings'
  | 'mobile-heartbeat'
  | 'set_fcm_token';

type Call = { c: Context<AppEnv>; form: MobileForm; phone: Phone; ios: boolean; now: Date };

/**
 * The Beiwe apps' endpoints (spec §1–§2). Django serves each with and without a trailing slash and
 * the apps may double the leading one, so matching is by pattern, and nothing ever redirects (a
 * redirected POST loses its body). The answers are what the apps parse: empty bodies, short texts
 * and JSON, with 403 (Android) or 401 (iOS paths) for a failed authentication.
 */
export function beiweMobile(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: deps.config.uploads.maxBytes,
    onError: (c) => c.text(`request body over ${deps.config.uploads.maxBytes} bytes`, 413),
  });
  return async (c, next) => {
    const match = c.req.method === 'POST' ? ENDPOINT.exec(c.req.path) : null;
    if (!match) return next();
    const endpoint = match[1] as Endpoint;
    // Beiwe's own test (`determine_os_api`): the last four characters of the path name iOS.
    const ios = c.req.path.slice(-4).toLowerCase().includes('ios');
    let response: Response | undefined;
    const overLimit = await limit(c, async () => {
      response = await handle(deps, c, endpoint, ios);
    });
    return overLimit ?? response;
  };
}

async function handle(deps: AppDeps, c: Context<AppEnv>, endpoint: Endpoint, ios: boolean): Promise<Response> {
  let form: MobileForm;
  try {
    form = await parseMobileBody(Buffer.from(await c.req.arrayBuffer()), c.req.header('content-type'));
  } catch (err) {
    if (err instanceof MalformedBodyError) return c.text(err.message, 400);
    throw err;
  }
  // set_fcm_token has no OS detection in Beiwe: it always fails with 403.
  const denied = () => c.body(null, ios && endpoint !== 'set_fcm_token' ? 401 : 403);
  const patientId = form.fields.get('patient_id');
  const password = form.fields.get('password');
  const deviceId = form.fields.get('device_id');
  if (patientId === undefined || password === undefined || deviceId === undefined) return denied();
  if (deviceId === '') return c.text('device_id is empty', 400);
  if (deviceId.length > MAX_DEVICE_ID) return c.text(`device_id is longer than ${MAX_DEVICE_ID} characters`, 400);
  if (!isPatientIdShaped(patientId.trim())) return denied();
  const phone = await findPhone(deps.db, patientId.trim());
  if (!phone) return denied();
  const checksPassword = endpoint === 'register_user' || endpoint === 'set_password';
  if (checksPassword && !(await verifyPassword(password, phone.passwordHash))) return denied();

  const now = deps.clock();
  await recordDeviceReport(deps.db, phone, deviceReport(form, phone, ios, endpoint === 'register_user'), now);
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
      await touchLastUpload(deps.db, phone, now);
      const answer = await receiveUpload(deps, phone, form, phone.osType ?? (ios ? 'IOS' : 'ANDROID'), now);
      return c.text(answer.body, answer.status);
    }
    case 'download_surveys':
      return c.json(await surveysForPhone(deps.db, phone, now));
    case 'get_latest_device_settings':
      return c.json({
        ...(await deviceSettingsFor(deps.db, phone.studyId)),
        enable_extensive_device_info_tracking: false,
      });
    case 'mobile-heartbeat':
      await recordHeartbeat(deps.db, phone, form.fields.get('message'), now);
      return c.body(null, 200);
    case 'set_fcm_token':
      await setFcmToken(deps.db, phone, form.fields.get('fcm_token') ?? '', now);
      return c.body(null, 204);
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
  return c.json({
    client_public_key: phone.publicKey,
    device_settings: await deviceSettingsFor(deps.db, phone.studyId),
    ios_plist: null,
    android_firebase_json: null,
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
  const value = (key: string) => form.fields.get(key) || 'none';
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
