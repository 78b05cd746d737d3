import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, ConfirmModal, useStyles2 } from '@grafana/ui';
import { toApiError } from '../api/client.ts';
import { getMe, getQueueStats, purgeExpired } from '../api/endpoints.ts';
import { formatDuration } from '../format.ts';
import { useRequest } from '../hooks/use-request.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { PushCredentials } from '../components/PushCredentials/PushCredentials.tsx';
import { testIds } from '../components/testIds.ts';

const REFRESH_MS = 10_000;

/**
 * The upload-processing queue at a glance (refreshed every 10 s), the purge of expired deletions and
 * the Firebase credentials push notifications are sent with.
 */
export default function OperationsPage() {
  const s = useStyles2(getStyles);
  const queue = useRequest(getQueueStats, []);
  const me = useRequest(getMe, []);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);

  useEffect(() => {
    const timer = setInterval(queue.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [queue.reload]);

  const purge = async () => {
    setConfirming(false);
    try {
      const { purged } = await purgeExpired();
      const parts = Object.entries(purged).map(([what, n]) => `${n} ${what}`);
      setNotice({ severity: 'success', text: `Purged ${parts.join(' and ')}.` });
    } catch (err) {
      setNotice({ severity: 'error', text: `The purge failed: ${toApiError(err).message}` });
    }
  };

  const stats = queue.state.value;
  const days = me.state.value?.retentionDays;
  return (
    <PluginPage>
      <div data-testid={testIds.operations.page}>
        <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
        <div className={s.heading}>
          <h3>Upload processing</h3>
          <Button size="sm" variant="secondary" icon="sync" onClick={queue.reload}>
            Refresh
          </Button>
        </div>
        {queue.state.status === 'error' && (
          <ErrorAlert title="Could not load the queue" error={queue.state.error} onRetry={queue.reload} />
        )}
        {stats && (
          <div className={s.cards} data-testid={testIds.operations.queue}>
            <Stat label="Waiting" value={stats.queued} />
            <Stat label="Processing now" value={stats.running} />
            <Stat label="Gave up (dead)" value={stats.dead} warn={stats.dead > 0} />
            <Stat
              label="Oldest waiting"
              value={stats.oldestQueuedAgeSeconds === null ? '—' : formatDuration(stats.oldestQueuedAgeSeconds)}
            />
          </div>
        )}
        {stats && stats.dead > 0 && (
          <Alert title="Some uploads could not be processed" severity="warning">
            Their jobs gave up after repeated errors. Open the participant to see each upload&apos;s problem and
            re-process it once the cause is fixed.
          </Alert>
        )}

        <h3 className={s.section}>Deleted studies and participants</h3>
        <p className={s.muted}>
          Deleted studies and participants can be restored for {days ?? '…'} days; after that a daily purge removes them
          for good. Run the purge now to remove everything past that window.
        </p>
        <GuardedButton variant="destructive" icon="trash-alt" onClick={() => setConfirming(true)}>
          Purge expired deletions
        </GuardedButton>
        <ConfirmModal
          isOpen={confirming}
          title="Purge expired deletions?"
          body={`Studies and participants deleted more than ${days ?? 'the retention window of'} days ago are removed for good, with their data. This cannot be undone.`}
          confirmText="Purge"
          onConfirm={purge}
          onDismiss={() => setConfirming(false)}
        />

        <h3 className={s.section}>Push notifications</h3>
        <PushCredentials />
      </div>
    </PluginPage>
  );
}

function Stat({ label, value, warn }: { label: string; value: number | string; warn?: boolean }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.card}>
      <div className={s.muted}>{label}</div>
      <div className={warn ? s.warnValue : s.value}>{value}</div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  heading: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2), h3: { margin: 0 } }),
  section: css({ marginTop: theme.spacing(4) }),
  cards: css({ display: 'flex', gap: theme.spacing(2), margin: theme.spacing(2, 0) }),
  card: css({
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    minWidth: 160,
  }),
  value: css({ fontSize: theme.typography.h2.fontSize }),
  warnValue: css({ fontSize: theme.typography.h2.fontSize, color: theme.colors.warning.text }),
  muted: css({ color: theme.colors.text.secondary }),
});
