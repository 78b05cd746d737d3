import React, { useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, ConfirmModal, InteractiveTable, useStyles2 } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import {
  checkConnection,
  disconnectConnection,
  listConnectLinks,
  listParticipantConnections,
  listProviders,
} from '../../api/endpoints.ts';
import type { ConnectLink, Connection, Participant } from '../../api/types.ts';
import { formatTime } from '../../format.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { ConnectDevice } from '../ConnectDevice/ConnectDevice.tsx';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { MoveConnection } from '../MoveConnection/MoveConnection.tsx';
import type { Notice } from '../NoticeBar/NoticeBar.tsx';
import { LastSeen } from '../PhoneStatus/PhoneStatus.tsx';
import { testIds } from '../testIds.ts';
import { ConnectionBadge, linkFailureOf, reasonOf } from './connection-status.tsx';

type Props = { participant: Participant; now: Date; onNotice: (notice: Notice) => void };

/** A participant's wearables: connections with their state, connect links, and what an Admin can do. */
export function Devices({ participant: p, now, onNotice }: Props) {
  const s = useStyles2(getStyles);
  const [connecting, setConnecting] = useState(false);
  const [moving, setMoving] = useState<Connection | null>(null);
  const [disconnecting, setDisconnecting] = useState<Connection | null>(null);
  const data = useRequest(async () => {
    const [connections, links, providers] = await Promise.all([
      listParticipantConnections(p.id),
      listConnectLinks(p.id),
      listProviders(),
    ]);
    return { connections: connections.items, links: links.items, providers: providers.items };
  }, [p.id]);
  const { state, reload } = data;

  const act = async (what: string, action: () => Promise<Notice>) => {
    try {
      onNotice(await action());
    } catch (err) {
      onNotice({ severity: 'error', text: `Could not ${what}: ${toApiError(err).message}` });
    }
    reload();
  };
  const check = (c: Connection) =>
    act(`check the ${c.providerName} connection`, async () => {
      const { ok, connection } = await checkConnection(c.id);
      return ok
        ? { severity: 'success', text: `${c.providerName} answers: the connection works.` }
        : {
            severity: 'error',
            text: `${c.providerName} refused: ${reasonOf(connection) ?? 'the connection does not work'}.`,
          };
    });
  const disconnect = (c: Connection) => {
    setDisconnecting(null);
    return act(`disconnect ${c.providerName}`, async () => {
      const result = await disconnectConnection(c.id);
      return result.revokedAtProvider
        ? { severity: 'success', text: `Disconnected ${c.providerName}; access was revoked at ${c.providerName}.` }
        : {
            severity: 'info',
            text: `Disconnected ${c.providerName}, but ${c.providerName} could not be told: ${result.revokeError}.`,
          };
    });
  };

  // The table wants stable columns; the row actions reach the current handlers through a ref.
  const handlers = useRef({ check, setMoving, setDisconnecting });
  handlers.current = { check, setMoving, setDisconnecting };
  const columns = useMemo(
    () => [
      { id: 'providerName', header: 'Wearable' },
      { id: 'status', header: 'Status', cell: ({ row }: Cell) => <ConnectionBadge connection={row.original} /> },
      {
        id: 'detail',
        header: 'Why',
        cell: ({ row }: Cell) =>
          [
            reasonOf(row.original),
            row.original.scopes.missing.length ? `missing: ${row.original.scopes.missing.join(', ')}` : null,
          ]
            .filter(Boolean)
            .join('; ') || '—',
      },
      { id: 'connectedAt', header: 'Connected', cell: ({ row }: Cell) => formatTime(row.original.connectedAt) },
      {
        id: 'lastRefreshedAt',
        header: 'Last token refresh',
        cell: ({ row }: Cell) => <LastSeen at={row.original.lastRefreshedAt} now={now} />,
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }: Cell) =>
          row.original.status === 'disconnected' ? null : (
            <div className={s.actions}>
              <GuardedButton
                size="sm"
                variant="secondary"
                onClick={() => void handlers.current.check(row.original)}
                aria-label={`Check ${row.original.providerName}`}
              >
                Check
              </GuardedButton>
              <GuardedButton
                size="sm"
                variant="secondary"
                onClick={() => handlers.current.setMoving(row.original)}
                aria-label={`Move ${row.original.providerName}`}
              >
                Move
              </GuardedButton>
              <GuardedButton
                size="sm"
                variant="destructive"
                fill="text"
                onClick={() => handlers.current.setDisconnecting(row.original)}
                aria-label={`Disconnect ${row.original.providerName}`}
              >
                Disconnect
              </GuardedButton>
            </div>
          ),
      },
    ],
    [now, s]
  );

  if (state.status === 'error' && state.error.status === 404 && /no route/i.test(state.error.message)) {
    return null; // an ingest without wearable support
  }
  const value = state.value;
  const openLinks = value?.links.filter((l) => l.state !== 'completed') ?? [];
  return (
    <section data-testid={testIds.devices.section}>
      <div className={s.heading}>
        <h3>Devices</h3>
        <GuardedButton
          size="sm"
          icon="link"
          onClick={() => setConnecting(true)}
          disabled={!value || Boolean(p.deletedAt)}
        >
          Connect a device
        </GuardedButton>
      </div>
      {state.status === 'error' && <p className={s.error}>Could not load the devices: {state.error.message}</p>}
      {value && value.connections.length === 0 && <p className={s.muted}>No wearable connected.</p>}
      {value && value.connections.length > 0 && (
        <InteractiveTable columns={columns} data={value.connections} getRowId={(c) => String(c.id)} />
      )}
      {openLinks.length > 0 && (
        <ul className={s.links}>
          {openLinks.map((l) => (
            <LinkLine
              key={l.id}
              link={l}
              name={value?.providers.find((pr) => pr.id === l.provider)?.displayName ?? l.provider}
            />
          ))}
        </ul>
      )}
      {connecting && value && (
        <ConnectDevice
          participantId={p.id}
          label={p.label}
          providers={value.providers}
          onCreated={reload}
          onDismiss={() => setConnecting(false)}
        />
      )}
      {moving && (
        <MoveConnection
          connection={moving}
          studyId={p.studyId}
          fromLabel={p.label}
          onDismiss={() => setMoving(null)}
          onMoved={(to) => {
            setMoving(null);
            onNotice({ severity: 'success', text: `Moved ${moving.providerName} to ${to}.` });
            reload();
          }}
        />
      )}
      <ConfirmModal
        isOpen={disconnecting !== null}
        title={`Disconnect ${disconnecting?.providerName ?? ''}?`}
        body="Access is revoked at the provider and no more data is fetched. Data already synced is kept. Connecting again needs a new link."
        confirmText="Disconnect"
        onConfirm={() => (disconnecting ? disconnect(disconnecting) : undefined)}
        onDismiss={() => setDisconnecting(null)}
      />
    </section>
  );
}

function LinkLine({ link, name }: { link: ConnectLink; name: string }) {
  const color = link.state === 'expired' ? 'darkgrey' : link.state === 'opened' ? 'blue' : 'purple';
  return (
    <li>
      <Badge color={color} text={`${name} link ${link.state}`} /> made by {link.createdBy} on{' '}
      {formatTime(link.createdAt)}
      {link.state !== 'expired' && `, valid until ${formatTime(link.expiresAt)}`}
      {link.lastError && ` — last attempt failed: ${linkFailureOf(link.lastError)}`}
    </li>
  );
}

type Cell = { row: { original: Connection } };

const getStyles = (theme: GrafanaTheme2) => ({
  heading: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginTop: theme.spacing(3),
    h3: { margin: 0 },
  }),
  actions: css({ display: 'flex', gap: theme.spacing(1), justifyContent: 'flex-end' }),
  links: css({ listStyle: 'none', padding: 0, marginTop: theme.spacing(1), li: { marginBottom: theme.spacing(0.5) } }),
  muted: css({ color: theme.colors.text.secondary }),
  error: css({ color: theme.colors.error.text }),
});
