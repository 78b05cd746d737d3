import { apiRequest } from './client.ts';
import type {
  AuditFilter,
  AuditRecord,
  BeiweCredentials,
  BeiweState,
  ConnectLink,
  Connection,
  CreatedLink,
  DataQuantity,
  DeletedMode,
  Disconnected,
  Enrolled,
  Me,
  Page,
  Participant,
  ParticipantStatus,
  Provider,
  PullJob,
  PullJobState,
  PurgeResult,
  PushCredentialFiles,
  PushCredentialKind,
  PushCredentials,
  PushNotification,
  TestPushResult,
  QueueStats,
  Study,
  StudyInput,
  SyncAlerts,
  SyncDigest,
  SyncHealth,
  Upload,
  UploadStatus,
  WearableCapacity,
} from './types.ts';

/** Every admin API call the pages make, one function each (README "The admin API"). */

export type Paging = { limit: number; offset: number };

export const getMe = () => apiRequest<Me>('/me');

export const listStudies = (q: { q?: string; deleted: DeletedMode } & Paging) =>
  apiRequest<Page<Study>>('/studies', { query: q });
export const getStudy = (id: number) => apiRequest<Study>(`/studies/${id}`);
export const createStudy = (input: StudyInput) => apiRequest<Study>('/studies', { method: 'POST', body: input });
export const updateStudy = (id: number, patch: Partial<StudyInput>) =>
  apiRequest<Study>(`/studies/${id}`, { method: 'PATCH', body: patch });
export const deleteStudy = (id: number) => apiRequest<Study>(`/studies/${id}`, { method: 'DELETE' });
export const restoreStudy = (id: number) => apiRequest<Study>(`/studies/${id}/restore`, { method: 'POST' });

export type ParticipantQuery = { q?: string; status?: ParticipantStatus; deleted: DeletedMode } & Paging;

export const listParticipants = (studyId: number, q: ParticipantQuery) =>
  apiRequest<Page<Participant>>(`/studies/${studyId}/participants`, { query: q });
export const enrolParticipant = (studyId: number, input: { label: string; beiwe: boolean }) =>
  apiRequest<Enrolled>(`/studies/${studyId}/participants`, { method: 'POST', body: input });
export const getParticipant = (id: number) => apiRequest<Participant>(`/participants/${id}`);
export const updateParticipant = (id: number, patch: { label?: string; status?: ParticipantStatus }) =>
  apiRequest<Participant>(`/participants/${id}`, { method: 'PATCH', body: patch });
export const deleteParticipant = (id: number) => apiRequest<Participant>(`/participants/${id}`, { method: 'DELETE' });
export const restoreParticipant = (id: number) =>
  apiRequest<Participant>(`/participants/${id}/restore`, { method: 'POST' });

export const issueBeiwe = (id: number) => apiRequest<BeiweCredentials>(`/participants/${id}/beiwe`, { method: 'POST' });
export const resetBeiwePassword = (id: number) =>
  apiRequest<BeiweCredentials>(`/participants/${id}/beiwe/reset-password`, { method: 'POST' });
export const unregisterPhone = (id: number) =>
  apiRequest<BeiweState>(`/participants/${id}/beiwe/unregister`, { method: 'POST' });
export const retireBeiwe = (id: number) =>
  apiRequest<BeiweState>(`/participants/${id}/beiwe/retire`, { method: 'POST' });

export const listUploads = (participantId: number, q: { status?: UploadStatus } & Paging) =>
  apiRequest<Page<Upload>>(`/participants/${participantId}/uploads`, { query: q });
export const requeueUpload = (id: number) =>
  apiRequest<{ requeued: number }>(`/uploads/${id}/requeue`, { method: 'POST' });
export const requeueFailedUploads = (participantId: number) =>
  apiRequest<{ requeued: number }>('/uploads/requeue', {
    method: 'POST',
    body: { participantId, status: 'failed' },
  });

export const getQueueStats = () => apiRequest<QueueStats>('/queue');
export const purgeExpired = () => apiRequest<PurgeResult>('/purge', { method: 'POST' });

export const getPushCredentials = () => apiRequest<PushCredentials>('/push/credentials');
export const savePushCredentials = (files: PushCredentialFiles) =>
  apiRequest<PushCredentials>('/push/credentials', { method: 'PUT', body: files });
export const removePushCredential = (kind: PushCredentialKind) =>
  apiRequest<PushCredentials>(`/push/credentials/${kind}`, { method: 'DELETE' });

export const sendTestPush = (participantId: number) =>
  apiRequest<TestPushResult>(`/participants/${participantId}/push-notifications/test`, { method: 'POST' });
export const listPushNotifications = (participantId: number, q: Paging) =>
  apiRequest<{ items: PushNotification[]; total: number }>(`/participants/${participantId}/push-notifications`, {
    query: q,
  });

export const listAudit = (filter: AuditFilter & Paging) => apiRequest<Page<AuditRecord>>('/audit', { query: filter });

export const listProviders = () => apiRequest<{ items: Provider[] }>('/providers');
export const listStudyConnections = (studyId: number) =>
  apiRequest<Page<Connection>>('/connections', { query: { studyId, limit: 200, offset: 0 } });
export const listParticipantConnections = (participantId: number) =>
  apiRequest<{ items: Connection[] }>(`/participants/${participantId}/connections`);
export const listConnectLinks = (participantId: number) =>
  apiRequest<{ items: ConnectLink[] }>(`/participants/${participantId}/connect-links`);
export const createConnectLink = (participantId: number, provider: string) =>
  apiRequest<CreatedLink>(`/participants/${participantId}/connect-links`, { method: 'POST', body: { provider } });
export const disconnectConnection = (id: number) =>
  apiRequest<Disconnected>(`/connections/${id}/disconnect`, { method: 'POST' });
export const checkConnection = (id: number) =>
  apiRequest<{ ok: boolean; connection: Connection }>(`/connections/${id}/check`, { method: 'POST' });
export const moveConnection = (id: number, participantId: number) =>
  apiRequest<Connection>(`/connections/${id}/move`, { method: 'POST', body: { participantId } });

export const pullConnection = (id: number, range?: { from: string; to: string }) =>
  apiRequest<{ items: PullJob[] }>(`/connections/${id}/pulls`, { method: 'POST', body: range ?? {} });
export const getPullJob = (id: number) => apiRequest<PullJob>(`/pull-jobs/${id}`);
export const listPullJobs = (q: { connectionIds: number[]; states: PullJobState[] } & Paging) =>
  apiRequest<Page<PullJob>>('/pull-jobs', {
    query: { connectionId: q.connectionIds.join(','), state: q.states.join(','), limit: q.limit, offset: q.offset },
  });
export const getSyncHealth = (connectionId: number) =>
  apiRequest<SyncHealth>(`/connections/${connectionId}/sync-health`);
export const getWearableCapacity = () => apiRequest<WearableCapacity>('/wearables/capacity');
export const listConnections = (q: { studyId?: number } & Paging) =>
  apiRequest<Page<Connection>>('/connections', { query: q });

export const getSyncAlerts = (studyId: number) => apiRequest<SyncAlerts>(`/studies/${studyId}/sync-alerts`);
export const saveSyncAlerts = (studyId: number, input: { recipients: string[]; staleDeviceDays: number | null }) =>
  apiRequest<SyncAlerts>(`/studies/${studyId}/sync-alerts`, { method: 'PUT', body: input });
export const listSyncDigests = (studyId: number, q: Paging) =>
  apiRequest<Page<SyncDigest>>(`/studies/${studyId}/sync-digests`, { query: q });
export const runSyncCheck = () => apiRequest<unknown>('/sync-check', { method: 'POST' });
export const getDataQuantity = (participantId: number, q: { from: string; to: string }) =>
  apiRequest<DataQuantity>(`/participants/${participantId}/data/quantity`, { query: q });
