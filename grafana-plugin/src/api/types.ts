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
