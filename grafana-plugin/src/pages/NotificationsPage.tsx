import React, { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { StudyTabs } from '../components/StudyTabs/StudyTabs.tsx';
import { Alert, Badge, InteractiveTable, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { toApiError } from '../api/client.ts';
import { getStudy, getSyncAlerts, listSyncDigests, runSyncCheck } from '../api/endpoints.ts';
import type { SyncDigest, SyncEpisode } from '../api/types.ts';
import { prefixRoute, ROUTES, studyPath } from '../constants.ts';
import { formatTime } from '../format.ts';
import { useRequest } from '../hooks/use-request.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { Pager } from '../components/Pager/Pager.tsx';
import { SyncAlertsForm } from '../components/SyncAlertsForm/SyncAlertsForm.tsx';
import { testIds } from '../components/testIds.ts';

const LIMIT = 20;

/** A study's sync notifications: who gets the digest, the staleness threshold, and the digests sent. */
export default function NotificationsPage() {
  const s = useStyles2(getStyles);
  const studyId = Number(useParams<{ studyId: string }>().studyId);
  const [offset, setOffset] = useState(0);
  const [notice, setNotice] = useState<Notice | null>(null);
  const study = useRequest(() => getStudy(studyId), [studyId]);
  const settings = useRequest(() => getSyncAlerts(studyId), [studyId]);
  const digests = useRequest(() => listSyncDigests(studyId, { limit: LIMIT, offset }), [studyId, offset]);

  const checkNow = async () => {
    try {
      await runSyncCheck();
      setNotice({ severity: 'success', text: 'Checked every study; any digest due was sent.' });
    } catch (err) {
      setNotice({ severity: 'error', text: `The check did not run: ${toApiError(err).message}` });
    }
    digests.reload();
  };

  const columns = useMemo(
    () => [
      { id: 'sentAt', header: 'Sent', cell: ({ row }: Cell) => formatTime(row.original.sentAt) },
      { id: 'recipients', header: 'To', cell: ({ row }: Cell) => row.original.recipients.join(', ') || '—' },
      {
        id: 'outcome',
        header: 'Outcome',
        cell: ({ row }: Cell) =>
          row.original.error ? (
            <span className={s.error}>Not delivered: {row.original.error}</span>
          ) : (
            <Badge color="green" text="Delivered" />
          ),
      },
      {
        id: 'episodes',
        header: 'About',
        cell: ({ row }: Cell) => summary(row.original.episodes),
      },
    ],
    [s]
  );

  const studyName = study.state.value?.name ?? '…';
  const value = settings.state.value;
  return (
    <PluginPage
      pageNav={{
        text: 'Notifications',
        parentItem: {
          text: studyName,
          url: studyPath(studyId),
          parentItem: { text: 'Studies', url: prefixRoute(ROUTES.studies) },
        },
      }}
    >
      <StudyTabs studyId={studyId} active="notifications" />
      <div data-testid={testIds.notifications.page}>
        <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
        {settings.state.status === 'error' && (
          <ErrorAlert
            title="Could not load the notification settings"
            error={settings.state.error}
            onRetry={settings.reload}
          />
        )}
        {!value && settings.state.status === 'loading' && <LoadingPlaceholder text="Loading settings…" />}
        {value && !value.mailEnabled && (
          <Alert title="The ingest has no mail server configured" severity="warning">
            Digests are not sent until the ingest is given a mail server; the settings below are kept.
          </Alert>
        )}
        {value && (
          <SyncAlertsForm
            key={`${value.studyId}`}
            settings={value}
            onSaved={() => setNotice({ severity: 'success', text: 'Saved the notification settings.' })}
          />
        )}

        <div className={s.heading}>
          <h3>Digests sent</h3>
          <GuardedButton size="sm" variant="secondary" icon="envelope" onClick={() => void checkNow()}>
            Check and send now
          </GuardedButton>
        </div>
        {digests.state.status === 'error' && (
          <ErrorAlert title="Could not load the digests" error={digests.state.error} onRetry={digests.reload} />
        )}
        {digests.state.value?.items.length === 0 && <p className={s.muted}>No digest has been sent for this study.</p>}
        {digests.state.value && digests.state.value.items.length > 0 && (
          <div data-testid={testIds.notifications.digests}>
            <InteractiveTable
              columns={columns}
              data={digests.state.value.items}
              getRowId={(d) => String(d.id)}
              renderExpandedRow={(d) => <Episodes episodes={d.episodes} />}
            />
            <Pager total={digests.state.value.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </div>
        )}
      </div>
    </PluginPage>
  );
}

function summary(episodes: SyncEpisode[]): string {
  const stale = episodes.filter((e) => e.kind === 'stale_device').length;
  const consent = episodes.length - stale;
  const parts = [
    stale ? `${stale} device${stale === 1 ? '' : 's'} not syncing` : null,
    consent ? `${consent} connection${consent === 1 ? '' : 's'} needing consent` : null,
  ].filter(Boolean);
  return parts.join(', ') || 'nothing';
}

function Episodes({ episodes }: { episodes: SyncEpisode[] }) {
  return (
    <ul>
      {episodes.map((e, i) => (
        <li key={i}>
          <strong>{e.participantLabel}</strong>, {e.provider}
          {e.device ? ` (${e.device})` : ''}:{' '}
          {e.kind === 'stale_device'
            ? `no sync for ${e.daysSinceSync ?? '?'} day${e.daysSinceSync === 1 ? '' : 's'}`
            : 'needs new consent'}
          . {e.action}
        </li>
      ))}
    </ul>
  );
}

type Cell = { row: { original: SyncDigest } };

const getStyles = (theme: GrafanaTheme2) => ({
  heading: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginTop: theme.spacing(4),
    h3: { margin: 0 },
  }),
  muted: css({ color: theme.colors.text.secondary }),
  error: css({ color: theme.colors.error.text }),
});
