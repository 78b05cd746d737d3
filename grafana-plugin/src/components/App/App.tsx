import React, { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { locationUtil, type AppRootProps } from '@grafana/data';
import { Alert, LinkButton, LoadingPlaceholder } from '@grafana/ui';
import { PLUGIN_ID, ROUTES } from '../../constants.ts';
import type { AppSettings } from '../../settings.ts';
import { testIds } from '../testIds.ts';

const StudiesPage = lazy(() => import('../../pages/StudiesPage.tsx'));
const StudyPage = lazy(() => import('../../pages/StudyPage.tsx'));
const ParticipantPage = lazy(() => import('../../pages/ParticipantPage.tsx'));
const AuditPage = lazy(() => import('../../pages/AuditPage.tsx'));
const OperationsPage = lazy(() => import('../../pages/OperationsPage.tsx'));
const SyncPage = lazy(() => import('../../pages/SyncPage.tsx'));
const NotificationsPage = lazy(() => import('../../pages/NotificationsPage.tsx'));
const DeviceSettingsPage = lazy(() => import('../../pages/DeviceSettingsPage.tsx'));
const MeasurementsPage = lazy(() => import('../../pages/MeasurementsPage.tsx'));
const SourcePriorityPage = lazy(() => import('../../pages/SourcePriorityPage.tsx'));
const SurveysPage = lazy(() => import('../../pages/SurveysPage.tsx'));
const SurveyPage = lazy(() => import('../../pages/SurveyPage.tsx'));
const StudyFilePage = lazy(() => import('../../pages/StudyFilePage.tsx'));

/** The app's pages, relative to /a/vigil-admin-app (Grafana mounts the root page there). */
function App({ meta }: AppRootProps<AppSettings>) {
  const configured = Boolean(meta.jsonData?.ingestUrl) && Boolean(meta.secureJsonFields?.sharedSecret);
  return (
    <>
      {!configured && (
        <Alert
          data-testid={testIds.app.notConfigured}
          title="Vigil is not configured yet"
          severity="warning"
          action={
            <LinkButton size="sm" variant="secondary" href={locationUtil.assureBaseUrl(`/plugins/${PLUGIN_ID}`)}>
              Configure
            </LinkButton>
          }
        >
          Set the ingest URL and the shared secret on the configuration page; until then the pages cannot reach the
          ingest.
        </Alert>
      )}
      <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
        <Routes>
          <Route path={ROUTES.studies} element={<StudiesPage />} />
          <Route path={ROUTES.study} element={<StudyPage />} />
          <Route path={ROUTES.participant} element={<ParticipantPage />} />
          <Route path={ROUTES.audit} element={<AuditPage />} />
          <Route path={ROUTES.operations} element={<OperationsPage />} />
          <Route path={ROUTES.sync} element={<SyncPage />} />
          <Route path={ROUTES.notifications} element={<NotificationsPage />} />
          <Route path={ROUTES.deviceSettings} element={<DeviceSettingsPage />} />
          <Route path={ROUTES.measurements} element={<MeasurementsPage />} />
          <Route path={ROUTES.sourcePriority} element={<SourcePriorityPage />} />
          <Route path={ROUTES.surveys} element={<SurveysPage />} />
          <Route path={ROUTES.survey} element={<SurveyPage />} />
          <Route path={ROUTES.studyFile} element={<StudyFilePage />} />
          <Route path="*" element={<Navigate to={ROUTES.studies} replace />} />
        </Routes>
      </Suspense>
    </>
  );
}

export default App;
