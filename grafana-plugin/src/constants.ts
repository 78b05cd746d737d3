import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** Page paths relative to PLUGIN_BASE_URL: Grafana mounts the app's routes under it. */
export const ROUTES = {
  studies: 'studies',
  study: 'studies/:studyId',
  deviceSettings: 'studies/:studyId/device-settings',
  measurements: 'studies/:studyId/measurements',
  sourcePriority: 'studies/:studyId/source-priority',
  surveys: 'studies/:studyId/surveys',
  survey: 'studies/:studyId/surveys/:surveyId',
  studyFile: 'studies/:studyId/study-file',
  participant: 'participants/:participantId',
  audit: 'audit',
  operations: 'operations',
  sync: 'sync',
  notifications: 'studies/:studyId/notifications',
} as const;

/** An absolute in-Grafana path to one of the app's pages. */
export function prefixRoute(path: string): string {
  return `${PLUGIN_BASE_URL}/${path}`;
}

export const studyPath = (studyId: number) => prefixRoute(`studies/${studyId}`);
export const surveyPath = (studyId: number, surveyId: number | 'new') =>
  prefixRoute(`studies/${studyId}/surveys/${surveyId}`);
export const participantPath = (participantId: number) => prefixRoute(`participants/${participantId}`);
export const notificationsPath = (studyId: number) => prefixRoute(`studies/${studyId}/notifications`);

/**
 * The ingest's admin API as the plugin-proxy routes in plugin.json expose it: Grafana maps
 * `api/plugin-proxy/<id>/api/v1/*` to `<jsonData.ingestUrl>/api/v1/*` and adds the shared secret.
 */
export const API_BASE = `api/plugin-proxy/${PLUGIN_ID}/api/v1`;

/**
 * The provisioned per-participant dashboard (dashboards/ issue) and its variables, so the
 * participant page can open it with the right participant selected.
 */
export const PARTICIPANT_DASHBOARD = {
  uid: 'vigil-participant-overview',
  studyVar: 'study',
  participantVar: 'participant',
};
