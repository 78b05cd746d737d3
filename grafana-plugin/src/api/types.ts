/**
 * The JSON the ingest's admin API answers with (README "The admin API"; ingest/src/*\/routes.ts).
 * The ingest's own types hold Date objects; on the wire every timestamp is an ISO string.
 */

export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

export type DeletedMode = 'exclude' | 'only' | 'include';

export type Me = {
  login: string;
  role: 'Admin' | 'Editor' | 'Viewer' | 'None';
  isServerAdmin: boolean;
  canChange: boolean;
  retentionDays: number;
};

export type Study = {
  id: number;
  objectId: string;
  name: string;
  description: string;
  timezone: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  restorableUntil: string | null;
};

export type StudyInput = { name: string; description: string; timezone: string };

export const PARTICIPANT_STATUSES = ['active', 'paused', 'completed', 'withdrawn'] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

/** What admins see of a participant's phone; never the password or keys. */
export type BeiweState = {
  patientId: string;
  registered: boolean;
  osType: string | null;
  firstRegisteredAt: string | null;
  lastRegisteredAt: string | null;
  lastUploadAt: string | null;
  lastHeartbeatAt: string | null;
  retiredAt: string | null;
};

export type Participant = {
  id: number;
  studyId: number;
  label: string;
  status: ParticipantStatus;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  restorableUntil?: string | null;
  beiwe: BeiweState | null;
};

/** Shown once: the temporary password is stored only as a slow hash. */
export type BeiweCredentials = { patientId: string; temporaryPassword: string; serverUrl: string };

export type Enrolled = Omit<Participant, 'beiwe'> & { beiwe: BeiweCredentials | null };

export const UPLOAD_STATUSES = ['queued', 'processed', 'key_error', 'failed', 'rejected'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

export type Upload = {
  id: number;
  participantId: number;
  fileName: string;
  stream: string;
  fileTime: string;
  osType: string;
  encrypted: boolean;
  receivedAt: string;
  sizeBytes: number;
  status: UploadStatus;
  lines: number | null;
  badLines: number | null;
  errorCounts: Record<string, number> | null;
  error: string | null;
  processedAt: string | null;
};

export type QueueStats = {
  queued: number;
  running: number;
  dead: number;
  oldestQueuedAt: string | null;
  oldestQueuedAgeSeconds: number | null;
};

export type AuditRecord = {
  id: number;
  at: string;
  actor: { login: string; role: string; isServerAdmin: boolean };
  action: string;
  target: { type: string; id: string; studyId: number | null };
  before: unknown;
  after: unknown;
  requestId: string | null;
};

/** As typed into the audit page's filters; the ingest checks them (a bad study id is a field error). */
export type AuditFilter = {
  studyId?: number | string;
  targetType?: string;
  targetId?: string;
  actor?: string;
  action?: string;
};

export type PurgeResult = { purged: Record<string, number> };

/** Which Firebase credentials the ingest holds, never their contents; `problem` is Google's last refusal. */
export type PushCredentials = {
  serviceAccount: boolean;
  android: boolean;
  ios: boolean;
  projectId: string | null;
  problem: { message: string; at: string } | null;
  updatedAt: string | null;
  updatedBy: string | null;
};

/** The body of PUT /push/credentials: each file as its text, as pasted or read. */
export type PushCredentialFiles = { serviceAccount?: string; androidGoogleServices?: string; iosPlist?: string };

export type PushCredentialKind = 'service-account' | 'android' | 'ios';

export const PUSH_STATES = ['scheduled', 'sent', 'failed', 'skipped', 'confirmed'] as const;
export type PushState = (typeof PUSH_STATES)[number];

/** One push planned for a participant's phone; `resend` counts iOS resends of the same survey event. */
export type PushNotification = {
  id: number;
  kind: string;
  surveyId: number | null;
  surveyObjectId: string | null;
  surveyName: string | null;
  scheduleType: string | null;
  scheduledFor: string;
  timeZone: string;
  uuid: string;
  resend: number;
  state: PushState;
  attempts: number;
  platform: string | null;
  sentAt: string | null;
  confirmedAt: string | null;
  error: string | null;
  createdAt: string;
};

/** What became of a test push (`POST /participants/:id/push-notifications/test`), in words. */
export type TestPushResult = {
  outcome: 'sent' | 'unregistered' | 'rejected' | 'credential_refused' | 'unavailable';
  message: string;
  notification: {
    id: number;
    uuid: string;
    state: PushState;
    platform: string;
    sentAt: string | null;
    error: string | null;
  };
};

/** A wearable provider the ingest knows; `available` when the server has its client credentials. */
export type Provider = { id: string; displayName: string; available: boolean };

export type ConnectionStatus = 'active' | 'needs_reauth' | 'disconnected';

/** A participant's wearable connection as the admin API shows it: never its tokens. */
export type Connection = {
  id: number;
  participantId: number;
  studyId?: number;
  participantLabel?: string;
  provider: string;
  providerName: string;
  api: string;
  status: ConnectionStatus;
  statusReason: string | null;
  statusDetail: string | null;
  statusChangedAt: string;
  externalUserId: string | null;
  scopes: { requested: string[]; granted: string[] | null; missing: string[] };
  accessExpiresAt: string | null;
  /** When the patient's consent ends unless given again (Polar's token; a stated refresh expiry). */
  consentEndsAt: string | null;
  /** The consent ends within the server's warning window (14 days by default). */
  expiresSoon: boolean;
  /**
   * In listings: the study's measurements chosen after the patient consented, which pulls leave
   * out until a new consent grants them.
   */
  needsConsentFor?: { id: string; label: string }[];
  lastRefreshedAt: string | null;
  connectedAt: string | null;
  disconnectedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

/** A connect link the patient opens to consent; its URL is in the answer that made it, only. */
export type ConnectLink = {
  id: number;
  participantId: number;
  provider: string;
  state: 'pending' | 'opened' | 'completed' | 'expired';
  expiresAt: string;
  createdBy: string;
  createdAt: string;
  openedAt: string | null;
  completedAt: string | null;
  connectionId: number | null;
  attempts: number;
  lastError: string | null;
};

export type CreatedLink = { id: number; participantId: number; provider: string; url: string; expiresAt: string };

export type Disconnected = Connection & { revokedAtProvider: boolean; revokeError: string | null };

export type PullJobState = 'queued' | 'running' | 'done' | 'failed';

/** An on-demand or scheduled wearable pull; it runs on the ingest's next scheduler tick (each minute). */
export type PullJob = {
  id: number;
  kind: 'backfill' | 'daily' | 'incremental' | 'notification' | 'update_now' | 'update_range';
  connectionId: number;
  from: string;
  to: string;
  state: PullJobState;
  progressPct: number;
  rowsWritten: number;
  currentDay: string | null;
  errors: string[];
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

/** The ingest's request budget for a provider key, as of the connection's last pull. */
export type RateLimits = {
  key: string;
  plannedShare: number;
  used?: number;
  limit?: number;
  windowMs?: number;
};

/** A wearable seen on a connection; the columns of `device_status` as the ingest sends them. */
export type WearableDevice = {
  device_id: string;
  model: string | null;
  device_type: string | null;
  battery_pct: number | null;
  battery_status: string | null;
  last_sync_at: string | null;
};

/** One documented quota window of a vendor and what the settings in force leave of it. */
export type CapacityWindow = {
  name: string;
  scope: 'app' | 'user';
  windowSeconds: number;
  limit: number;
  perConnection: number;
  callsPerConnection: number;
  connections: number | null;
  usedPct: number;
};

/** A study's connections to a vendor and what each spends for the measurements the study collects. */
export type StudyCapacity = {
  studyId: number;
  name: string;
  activeConnections: number;
  /** null: the vendor delivers none of the study's measurements. */
  callsPerConnectionPerDay: number | null;
};

export type VendorCapacity = {
  provider: 'fitbit' | 'withings' | 'polar';
  pullsPerDay: number;
  /** The mean over the active connections, each for its study's measurements. */
  callsPerConnectionPerDay: number;
  /** Calls a day made once for the whole client (Polar's pull notifications while its webhook is off). */
  clientCallsPerDay: number;
  /** null: no documented window limits the connections. */
  connections: number | null;
  binding: string | null;
  activeConnections: number;
  windows: CapacityWindow[];
  studies: StudyCapacity[];
};

export type WearableCapacity = { plannedShare: number; notifications: boolean; vendors: VendorCapacity[] };

export type SyncHealth = {
  connectionId: number;
  tokenStatus: ConnectionStatus;
  tokenStatusReason: string | null;
  lastDeviceSyncAt: string | null;
  lastPullAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  rateLimits: RateLimits | null;
  devices: WearableDevice[];
  cursors: { data_type: string; synced_until: string }[];
};

export type SyncAlerts = {
  studyId: number;
  recipients: string[];
  /** The study's own threshold; null falls back to the ingest's default (`effectiveStaleDeviceDays`). */
  staleDeviceDays: number | null;
  effectiveStaleDeviceDays: number;
  reminderDays: number;
  mailEnabled: boolean;
};

export type SyncEpisode = {
  kind: 'stale_device' | 'needs_consent' | 'expires_soon' | 'consent_gap';
  participantId: number;
  participantLabel: string;
  provider: string;
  device: string | null;
  daysSinceSync: number | null;
  action: string;
};

export type SyncDigest = {
  id: number;
  sentAt: string;
  recipients: string[];
  error: string | null;
  episodes: SyncEpisode[];
};

/** Rows a participant's phone sent per stream and day (in the study's time zone), against what its duty cycles lead one to expect. */
export type DataQuantity = {
  participantId: number;
  days: {
    stream: string;
    day: string;
    rows: number;
    bytes: number;
    expectedRows: number | null;
    completeness: number | null;
  }[];
};
