import React, { useCallback, useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { locationUtil, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, LinkButton, LoadingPlaceholder, RadioButtonGroup, Stack, useStyles2 } from '@grafana/ui';
import { toApiError } from '../api/client.ts';
import { getParticipant, getStudy, listUploads, requeueFailedUploads } from '../api/endpoints.ts';
import { UPLOAD_STATUSES, type UploadStatus } from '../api/types.ts';
import { PARTICIPANT_DASHBOARD, prefixRoute, ROUTES, studyPath } from '../constants.ts';
import { formatTime } from '../format.ts';
import { useRequest } from '../hooks/use-request.ts';
import { Devices } from '../components/Devices/Devices.tsx';
import { ExportData } from '../components/ExportData/ExportData.tsx';
import { EnrolmentSheet, type SheetRequest } from '../components/EnrolmentSheet/EnrolmentSheet.tsx';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { Pager } from '../components/Pager/Pager.tsx';
import { ParticipantActions } from '../components/ParticipantActions/ParticipantActions.tsx';
import { StatusBadge } from '../components/ParticipantsTable/ParticipantsTable.tsx';
import { ParticipantSync } from '../components/SyncConnections/ParticipantSync.tsx';
import { PushNotifications } from '../components/PushNotifications/PushNotifications.tsx';
import { LastSeen, PhoneBadge } from '../components/PhoneStatus/PhoneStatus.tsx';
import { UploadsTable } from '../components/UploadsTable/UploadsTable.tsx';
import { testIds } from '../components/testIds.ts';

const LIMIT = 50;
const uploadFilter = [
  { label: 'All', value: 'all' as const },
  ...UPLOAD_STATUSES.map((st) => ({ label: st.replace('_', ' '), value: st })),
];

/**
 * One participant: phone state, actions, push notifications, uploads with their problems and
 * re-processing, and their dashboard.
 */
export default function ParticipantPage() {
  const s = useStyles2(getStyles);
  const participantId = Number(useParams<{ participantId: string }>().participantId);
  const [uploadStatus, setUploadStatus] = useState<UploadStatus | 'all'>('all');
  const [offset, setOffset] = useState(0);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [sheet, setSheet] = useState<SheetRequest | null>(null);
  const [exporting, setExporting] = useState(false);

  const participant = useRequest(async () => {
    const p = await getParticipant(participantId);
    return { participant: p, study: await getStudy(p.studyId) };
  }, [participantId]);
  const uploads = useRequest(
    () =>
      listUploads(participantId, {
        status: uploadStatus === 'all' ? undefined : uploadStatus,
        limit: LIMIT,
        offset,
      }),
    [participantId, uploadStatus, offset]
  );
  const now = useMemo(() => new Date(), [participant.state]); // eslint-disable-line react-hooks/exhaustive-deps
  const reloadAll = useCallback(() => {
    participant.reload();
    uploads.reload();
  }, [participant.reload, uploads.reload]); // eslint-disable-line react-hooks/exhaustive-deps

  if (participant.state.status === 'error') {
    return (
      <PluginPage>
        <ErrorAlert
          title="Could not load the participant"
          error={participant.state.error}
          onRetry={participant.reload}
        />
      </PluginPage>
    );
  }
  if (!participant.state.value) {
    return (
      <PluginPage>
        <LoadingPlaceholder text="Loading participant…" />
      </PluginPage>
    );
  }
  const { participant: p, study } = participant.state.value;
  const phone = p.beiwe;

  const requeueFailed = async () => {
    try {
      const { requeued } = await requeueFailedUploads(p.id);
      setNotice({
        severity: 'success',
        text: `Queued ${requeued} failed upload${requeued === 1 ? '' : 's'} for processing again.`,
      });
    } catch (err) {
      setNotice({ severity: 'error', text: `Could not re-process the failed uploads: ${toApiError(err).message}` });
    }
    uploads.reload();
  };

  const dashboardUrl =
    `/d/${PARTICIPANT_DASHBOARD.uid}?var-${PARTICIPANT_DASHBOARD.studyVar}=${p.studyId}` +
    `&var-${PARTICIPANT_DASHBOARD.participantVar}=${p.id}`;

  return (
    <PluginPage
      pageNav={{
        text: p.label,
        parentItem: {
          text: study.name,
          url: studyPath(study.id),
          parentItem: { text: 'Studies', url: prefixRoute(ROUTES.studies) },
        },
      }}
      info={[
        { label: 'Status', value: <StatusBadge status={p.status} /> },
        { label: 'Enrolled', value: formatTime(p.createdAt) },
        ...(p.deletedAt ? [{ label: 'Deleted', value: formatTime(p.deletedAt) }] : []),
      ]}
      actions={
        <Stack direction="row" gap={1}>
          {phone && (
            <Button variant="secondary" icon="download-alt" onClick={() => setExporting(true)}>
              Export data
            </Button>
          )}
          <LinkButton variant="secondary" icon="apps" href={locationUtil.assureBaseUrl(dashboardUrl)}>
            Open dashboard
          </LinkButton>
        </Stack>
      }
    >
      <div data-testid={testIds.participant.page}>
        <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
        <div className={s.actions}>
          <ParticipantActions participant={p} onChanged={reloadAll} onNotice={setNotice} onSheet={setSheet} />
        </div>

        <h3>Phone</h3>
        <dl className={s.facts} data-testid={testIds.participant.phone}>
          <dt>Beiwe</dt>
          <dd>
            <PhoneBadge beiwe={phone} /> {phone && <code>{phone.patientId}</code>}
          </dd>
          {phone && (
            <>
              <dt>Last upload</dt>
              <dd>
                <LastSeen at={phone.lastUploadAt} now={now} />
              </dd>
              <dt>Last heartbeat</dt>
              <dd>
                <LastSeen at={phone.lastHeartbeatAt} now={now} />
              </dd>
              <dt>First registered</dt>
              <dd>{formatTime(phone.firstRegisteredAt)}</dd>
              <dt>Last registered</dt>
              <dd>{formatTime(phone.lastRegisteredAt)}</dd>
            </>
          )}
        </dl>

        <Devices participant={p} now={now} onNotice={setNotice} />
        <ParticipantSync participantId={p.id} />
        {phone && <PushNotifications participantId={p.id} />}

        <div className={s.heading}>
          <h3>Uploads</h3>
          <RadioButtonGroup
            size="sm"
            options={uploadFilter}
            value={uploadStatus}
            onChange={(v) => {
              setUploadStatus(v);
              setOffset(0);
            }}
          />
          <GuardedButton size="sm" variant="secondary" icon="sync" onClick={() => void requeueFailed()}>
            Re-process failed uploads
          </GuardedButton>
        </div>
        {uploads.state.status === 'error' && (
          <ErrorAlert title="Could not load the uploads" error={uploads.state.error} onRetry={uploads.reload} />
        )}
        {uploads.state.value?.items.length === 0 && (
          <p className={s.muted}>No uploads{uploadStatus === 'all' ? ' yet' : ' with this status'}.</p>
        )}
        {uploads.state.value && uploads.state.value.items.length > 0 && (
          <>
            <UploadsTable uploads={uploads.state.value.items} onRequeued={uploads.reload} />
            <Pager total={uploads.state.value.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </>
        )}
        {sheet && <EnrolmentSheet {...sheet} studyName={study.name} onDismiss={() => setSheet(null)} />}
        {exporting && <ExportData participant={p} onDismiss={() => setExporting(false)} />}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  actions: css({ display: 'flex', justifyContent: 'flex-start', marginBottom: theme.spacing(2) }),
  heading: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginTop: theme.spacing(3),
    h3: { margin: 0 },
  }),
  facts: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: theme.spacing(1, 3),
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
  muted: css({ color: theme.colors.text.secondary }),
});
