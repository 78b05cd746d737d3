import React, { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { InteractiveTable, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client.ts';
import { getSyncHealth, pullConnection } from '../../api/endpoints.ts';
import type { Connection, RateLimits, SyncHealth } from '../../api/types.ts';
import { participantPath } from '../../constants.ts';
import { formatDuration, formatTime } from '../../format.ts';
import { usePullJobs } from '../../hooks/use-pull-jobs.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { ConnectionBadge } from '../Devices/connection-status.tsx';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { LastSeen } from '../PhoneStatus/PhoneStatus.tsx';
import { PullJobs } from '../PullJobs/PullJobs.tsx';
import { UpdateRange } from '../UpdateRange/UpdateRange.tsx';
import { testIds } from '../testIds.ts';

type Props = {
  connections: Connection[];
  /** On the Sync page the table names each connection's participant; on a participant's page it need not. */
  showParticipant?: boolean;
  /** Shown right under the table (the page's pager), above the updates. */
  children?: React.ReactNode;
};

type RowMessage = { ok: boolean; text: string };
type Row = {
  connection: Connection;
  health: SyncHealth | ApiError | undefined;
  message: RowMessage | undefined;
  now: Date;
};

/**
 * Each wearable connection's sync state (token, last device sync in the 2/7-day colour bands, last
 * success and error, rate-limit use), with "Update now" and "Update range", and the progress of
 * their updates, scheduled or started here.
 */
export function SyncConnections({ connections, showParticipant, children }: Props) {
  const s = useStyles2(getStyles);
  const [ranging, setRanging] = useState<Connection | null>(null);
  const [messages, setMessages] = useState<Record<number, RowMessage>>({});
  const connectionIds = useMemo(() => connections.map((c) => c.id), [connections]);
  const { watched, add, settled } = usePullJobs(connectionIds);

  // Keyed by connection: while another page of connections loads, the previous answers stay on their own rows.
  const health = useRequest(
    async () =>
      new Map(
        await Promise.all(
          connections.map(async (c) => {
            const h = await getSyncHealth(c.id).catch((err: unknown): ApiError => toApiError(err));
            return [c.id, h] as const;
          })
        )
      ),
    [connections, settled]
  );
  // "Synced 3 h ago" is relative to when the sync state was read.
  const now = useMemo(() => new Date(), [health.state.value]); // eslint-disable-line react-hooks/exhaustive-deps

  const rows: Row[] = useMemo(
    () =>
      connections.map((connection) => ({
        connection,
        health: health.state.value?.get(connection.id),
        message: messages[connection.id],
        now,
      })),
    [connections, health.state.value, messages, now]
  );

  const updateNow = async (c: Connection) => {
    try {
      add((await pullConnection(c.id)).items);
      setMessages((m) => ({ ...m, [c.id]: { ok: true, text: 'Update queued' } }));
    } catch (err) {
      setMessages((m) => ({ ...m, [c.id]: { ok: false, text: `Not started: ${toApiError(err).message}` } }));
    }
  };
  // The table wants stable columns (a new cell function remounts the cell); row actions reach the
  // current handlers through a ref, and everything a cell shows travels in its row.
  const handlers = useRef({ updateNow, setRanging });
  handlers.current = { updateNow, setRanging };

  const columns = useMemo(() => {
    const ok = (h: Row['health']): SyncHealth | undefined => (h && !(h instanceof Error) ? h : undefined);
    return [
      ...(showParticipant
        ? [
            {
              id: 'participant',
              header: 'Participant',
              cell: ({ row }: Cell) => (
                <Link to={participantPath(row.original.connection.participantId)}>
                  {row.original.connection.participantLabel ?? `#${row.original.connection.participantId}`}
                </Link>
              ),
            },
          ]
        : []),
      { id: 'provider', header: 'Wearable', cell: ({ row }: Cell) => row.original.connection.providerName },
      {
        id: 'token',
        header: 'Token',
        cell: ({ row }: Cell) => (
          <div>
            <ConnectionBadge connection={row.original.connection} />
            <ConsentGap connection={row.original.connection} onParticipantPage={!showParticipant} />
          </div>
        ),
      },
      {
        id: 'deviceSync',
        header: 'Last device sync',
        cell: ({ row }: Cell) => {
          const h = row.original.health;
          if (h instanceof Error) return <span className={s.error}>Could not load the sync state: {h.message}</span>;
          const devices = ok(h)?.devices ?? [];
          return (
            <div>
              {h ? <LastSeen at={h.lastDeviceSyncAt} now={row.original.now} /> : '…'}
              {devices.map((d) => (
                <div key={d.device_id} className={s.muted}>
                  {[
                    d.model ?? d.device_type ?? d.device_id,
                    d.battery_pct !== null ? `battery ${d.battery_pct}%` : null,
                  ]
                    .filter(Boolean)
                    .join(', ')}
                </div>
              ))}
            </div>
          );
        },
      },
      {
        id: 'lastSuccess',
        header: 'Last successful pull',
        cell: ({ row }: Cell) => {
          const h = ok(row.original.health);
          return h ? (
            <span title={formatTime(h.lastSuccessAt)}>{h.lastSuccessAt ? formatTime(h.lastSuccessAt) : 'never'}</span>
          ) : null;
        },
      },
      {
        id: 'lastError',
        header: 'Last error',
        cell: ({ row }: Cell) => {
          const h = ok(row.original.health);
          if (!h?.lastError) return h ? '—' : null;
          return (
            <span className={s.error} title={formatTime(h.lastErrorAt)}>
              {h.lastError} ({formatTime(h.lastErrorAt)})
            </span>
          );
        },
      },
      {
        id: 'rateLimits',
        header: 'Rate limit',
        cell: ({ row }: Cell) => {
          const h = ok(row.original.health);
          return h ? <RateLimit limits={h.rateLimits} /> : null;
        },
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }: Cell) => {
          const c = row.original.connection;
          const message = row.original.message;
          if (c.status !== 'active') return <span className={s.muted}>Needs a working connection to update</span>;
          return (
            <div>
              <div className={s.actions}>
                <GuardedButton
                  size="sm"
                  variant="secondary"
                  icon="sync"
                  aria-label={`Update now ${c.providerName}${showParticipant ? ` of ${c.participantLabel}` : ''}`}
                  onClick={() => void handlers.current.updateNow(c)}
                >
                  Update now
                </GuardedButton>
                <GuardedButton
                  size="sm"
                  variant="secondary"
                  icon="calendar-alt"
                  aria-label={`Update range ${c.providerName}${showParticipant ? ` of ${c.participantLabel}` : ''}`}
                  onClick={() => handlers.current.setRanging(c)}
                >
                  Update range
                </GuardedButton>
              </div>
              {message && <div className={message.ok ? s.ok : s.error}>{message.text}</div>}
            </div>
          );
        },
      },
    ];
  }, [s, showParticipant]);

  return (
    <div data-testid={testIds.sync.connections}>
      <InteractiveTable columns={columns} data={rows} getRowId={(r) => String(r.connection.id)} />
      {children}
      <PullJobs watched={watched} connections={connections} />
      {ranging && (
        <UpdateRange
          connection={ranging}
          onDismiss={() => setRanging(null)}
          onStarted={(jobs) => {
            setRanging(null);
            add(jobs);
          }}
        />
      )}
    </div>
  );
}

/**
 * The study's measurements this connection's consent does not cover, and how to get them: a new
 * connect link for the same wearable, which keeps the connection and its data.
 */
function ConsentGap({ connection: c, onParticipantPage }: { connection: Connection; onParticipantPage: boolean }) {
  const s = useStyles2(getStyles);
  const gap = c.needsConsentFor ?? [];
  if (gap.length === 0) return null;
  const where = onParticipantPage ? 'under Devices' : "on the participant's page (Devices)";
  return (
    <div className={s.warn} data-testid={testIds.sync.consentGap}>
      Needs a new consent for: {gap.map((m) => m.label).join(', ')}
      <div className={s.muted}>
        Not read until the patient consents again: make a new {c.providerName} connect link {where} with &quot;Connect a
        device&quot; and give them the link or its QR code. The rest is read meanwhile.
      </div>
    </div>
  );
}

/** How much of the provider's request budget the ingest has used, as of the last pull. */
function RateLimit({ limits }: { limits: RateLimits | null }) {
  const s = useStyles2(getStyles);
  if (!limits || limits.used === undefined || limits.limit === undefined || limits.windowMs === undefined) {
    return <span className={s.muted}>no requests counted yet</span>;
  }
  const near = limits.used >= limits.limit * limits.plannedShare;
  return (
    <span className={near ? s.warn : undefined} title={limits.key}>
      {limits.used} of {limits.limit} requests per {formatDuration(Math.round(limits.windowMs / 1000))}
      {near ? ' (near the limit: pulls slow down)' : ''}
    </span>
  );
}

type Cell = { row: { original: Row } };

const getStyles = (theme: GrafanaTheme2) => ({
  actions: css({ display: 'flex', gap: theme.spacing(1), justifyContent: 'flex-end' }),
  muted: css({ color: theme.colors.text.secondary }),
  error: css({ color: theme.colors.error.text }),
  warn: css({ color: theme.colors.warning.text }),
  ok: css({ color: theme.colors.success.text }),
});
