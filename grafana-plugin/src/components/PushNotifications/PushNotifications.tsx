import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, InteractiveTable, useStyles2, type BadgeColor } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import { listPushNotifications, sendTestPush } from '../../api/endpoints.ts';
import type { PushNotification, PushState } from '../../api/types.ts';
import { formatTime } from '../../format.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { ErrorAlert } from '../ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../NoticeBar/NoticeBar.tsx';
import { testIds } from '../testIds.ts';

const LAST = 20;

const stateLook: Record<PushState, { color: BadgeColor; text: string }> = {
  scheduled: { color: 'blue', text: 'Scheduled' },
  sent: { color: 'green', text: 'Sent' },
  confirmed: { color: 'green', text: 'Confirmed by the phone' },
  failed: { color: 'red', text: 'Failed' },
  skipped: { color: 'orange', text: 'Skipped (too late)' },
};

const what = (n: PushNotification) => {
  const name =
    n.kind === 'survey' ? `Survey: ${n.surveyName ?? n.surveyObjectId ?? 'deleted survey'}` : describeKind(n.kind);
  return n.resend > 0 ? `${name} (resend ${n.resend})` : name;
};
const KINDS: Record<string, string> = { heartbeat: 'Wake-up (phone silent)', test: 'Test notification' };
const describeKind = (kind: string) => KINDS[kind] ?? kind;

/**
 * The participant's last push notifications, newest schedule first, with what became of each, and
 * (Admin) a test push sent now whose outcome is shown in the ingest's words.
 */
export function PushNotifications({ participantId }: { participantId: number }) {
  const s = useStyles2(getStyles);
  const list = useRequest(() => listPushNotifications(participantId, { limit: LAST, offset: 0 }), [participantId]);
  const value = list.state.value;
  const [notice, setNotice] = useState<Notice | null>(null);
  const [sending, setSending] = useState(false);

  const sendTest = async () => {
    setSending(true);
    setNotice(null);
    try {
      const result = await sendTestPush(participantId);
      setNotice({
        severity: result.outcome === 'sent' ? 'success' : 'error',
        text: `Test notification: ${result.message}`,
      });
    } catch (err) {
      setNotice({ severity: 'error', text: `Test notification not sent: ${toApiError(err).message}` });
    } finally {
      setSending(false);
    }
    list.reload();
  };

  const columns = [
    { id: 'scheduledFor', header: 'Due', cell: ({ row }: Cell) => formatTime(row.original.scheduledFor) },
    { id: 'kind', header: 'Notification', cell: ({ row }: Cell) => what(row.original) },
    {
      id: 'state',
      header: 'State',
      cell: ({ row }: Cell) => {
        const look = stateLook[row.original.state] ?? { color: 'purple' as const, text: row.original.state };
        return <Badge color={look.color} text={look.text} />;
      },
    },
    { id: 'sentAt', header: 'Sent', cell: ({ row }: Cell) => formatTime(row.original.sentAt) },
    { id: 'platform', header: 'Phone', cell: ({ row }: Cell) => row.original.platform ?? '—' },
    {
      id: 'error',
      header: 'Problem',
      cell: ({ row }: Cell) => (row.original.error ? <span className={s.error}>{row.original.error}</span> : null),
    },
  ];

  return (
    <div data-testid={testIds.participant.notifications}>
      <div className={s.heading}>
        <h3>Notifications</h3>
        <Button size="sm" variant="secondary" icon="sync" onClick={list.reload}>
          Refresh
        </Button>
        <GuardedButton size="sm" variant="secondary" icon="bell" disabled={sending} onClick={() => void sendTest()}>
          {sending ? 'Sending…' : 'Send a test notification'}
        </GuardedButton>
        {value && value.total > LAST && (
          <span className={s.muted}>
            The last {LAST} of {value.total}.
          </span>
        )}
      </div>
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
      {list.state.status === 'error' && (
        <ErrorAlert title="Could not load the notifications" error={list.state.error} onRetry={list.reload} />
      )}
      {value?.items.length === 0 && <p className={s.muted}>No notifications yet.</p>}
      {value && value.items.length > 0 && (
        <InteractiveTable columns={columns} data={value.items} getRowId={(n) => String(n.id)} />
      )}
    </div>
  );
}

type Cell = { row: { original: PushNotification } };

const getStyles = (theme: GrafanaTheme2) => ({
  heading: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginTop: theme.spacing(3),
    h3: { margin: 0 },
  }),
  error: css({ color: theme.colors.error.text }),
  muted: css({ color: theme.colors.text.secondary }),
});
