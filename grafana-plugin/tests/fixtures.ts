import type { AuditRecord, Connection, Participant, Study, Upload } from '../src/api/types.ts';

/** Admin-API answers as the ingest shapes them, with overridable fields. */

export function aStudy(overrides: Partial<Study> = {}): Study {
  return {
    id: 1,
    objectId: 'AbCdEfGhIjKlMnOpQrStUvWx',
    name: 'Sleep study',
    description: 'Nightly sleep and activity',
    timezone: 'Europe/London',
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: '2026-11-01T10:00:00.000Z',
    deletedAt: null,
    restorableUntil: null,
    ...overrides,
  };
}

export function aParticipant(overrides: Partial<Participant> = {}): Participant {
  return {
    id: 11,
    studyId: 1,
    label: 'patient_1',
    status: 'active',
    createdAt: '2026-11-02T10:00:00.000Z',
    updatedAt: '2026-11-02T10:00:00.000Z',
    deletedAt: null,
    beiwe: {
      patientId: 'k3v9x2mp',
      registered: true,
      osType: 'android',
      firstRegisteredAt: '2026-11-02T11:00:00.000Z',
      lastRegisteredAt: '2026-11-02T11:00:00.000Z',
      lastUploadAt: null,
      lastHeartbeatAt: null,
      retiredAt: null,
    },
    ...overrides,
  };
}

export function anUpload(overrides: Partial<Upload> = {}): Upload {
  return {
    id: 101,
    participantId: 11,
    fileName: 'k3v9x2mp/accelerometer/1763719200000.csv',
    stream: 'accelerometer',
    fileTime: '2026-11-21T09:00:00.000Z',
    osType: 'android',
    encrypted: true,
    receivedAt: '2026-11-21T09:05:00.000Z',
    sizeBytes: 2048,
    status: 'processed',
    lines: 120,
    badLines: 0,
    errorCounts: null,
    error: null,
    processedAt: '2026-11-21T09:06:00.000Z',
    ...overrides,
  };
}

export function anAuditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: 501,
    at: '2026-11-21T09:00:00.000Z',
    actor: { login: 'ann', role: 'Admin', isServerAdmin: false },
    action: 'participant.rename',
    target: { type: 'participant', id: '11', studyId: 1 },
    before: { label: 'patient_1', status: 'active' },
    after: { label: 'patient_one', status: 'active' },
    requestId: 'req-1',
    ...overrides,
  };
}

export function aConnection(overrides: Partial<Connection> = {}): Connection {
  return {
    id: 31,
    participantId: 11,
    provider: 'withings',
    providerName: 'Withings',
    api: 'withings',
    status: 'active',
    statusReason: null,
    statusDetail: null,
    statusChangedAt: '2026-11-20T09:00:00.000Z',
    externalUserId: '123456',
    scopes: { requested: ['user.metrics'], granted: ['user.metrics'], missing: [] },
    accessExpiresAt: '2026-11-21T12:00:00.000Z',
    consentEndsAt: null,
    expiresSoon: false,
    lastRefreshedAt: '2026-11-21T09:00:00.000Z',
    connectedAt: '2026-11-20T09:00:00.000Z',
    disconnectedAt: null,
    createdAt: '2026-11-20T09:00:00.000Z',
    updatedAt: '2026-11-20T09:00:00.000Z',
    ...overrides,
  };
}
