import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, InteractiveTable, TextLink, useStyles2, type BadgeColor } from '@grafana/ui';
import type { Connection, Participant, ParticipantStatus } from '../../api/types.ts';
import { participantPath } from '../../constants.ts';
import { formatTime } from '../../format.ts';
import { Completeness, COMPLETENESS_DAYS } from '../Completeness/Completeness.tsx';
import type { SheetRequest } from '../EnrolmentSheet/EnrolmentSheet.tsx';
import { ConnectionBadge } from '../Devices/connection-status.tsx';
import type { Notice } from '../NoticeBar/NoticeBar.tsx';
import { ParticipantActions } from '../ParticipantActions/ParticipantActions.tsx';
import { LastSeen, PhoneBadge } from '../PhoneStatus/PhoneStatus.tsx';
import { testIds } from '../testIds.ts';

const statusColor: Record<ParticipantStatus, BadgeColor> = {
  active: 'green',
  paused: 'orange',
  completed: 'blue',
  withdrawn: 'darkgrey',
};

export function StatusBadge({ status }: { status: ParticipantStatus }) {
  return <Badge color={statusColor[status]} text={status} />;
}

type Props = {
  participants: Participant[];
  /** Each participant's wearable connections; undefined when the ingest has none to offer. */
  devices: Map<number, Connection[]> | undefined;
  now: Date;
  onChanged: () => void;
  onNotice: (notice: Notice) => void;
  onSheet: (sheet: SheetRequest) => void;
};

/** A study's participants with their phone's state at a glance, and what an Admin can do to each. */
export function ParticipantsTable({ participants, devices, now, onChanged, onNotice, onSheet }: Props) {
  const s = useStyles2(getStyles);
  const columns = useMemo(
    () => [
      {
        id: 'label',
        header: 'Participant',
        cell: ({ row }: Cell) => (
          <TextLink href={participantPath(row.original.id)} inline={false}>
            {row.original.label}
          </TextLink>
        ),
      },
      { id: 'status', header: 'Status', cell: ({ row }: Cell) => <StatusBadge status={row.original.status} /> },
      {
        id: 'phone',
        header: 'Phone',
        cell: ({ row }: Cell) => (
          <span className={s.phone}>
            <PhoneBadge beiwe={row.original.beiwe} />
            {row.original.beiwe && <code>{row.original.beiwe.patientId}</code>}
          </span>
        ),
      },
      {
        id: 'lastUpload',
        header: 'Last upload',
        cell: ({ row }: Cell) =>
          row.original.beiwe ? <LastSeen at={row.original.beiwe.lastUploadAt} now={now} /> : '—',
      },
      {
        id: 'lastHeartbeat',
        header: 'Last heartbeat',
        cell: ({ row }: Cell) =>
          row.original.beiwe ? <LastSeen at={row.original.beiwe.lastHeartbeatAt} now={now} /> : '—',
      },
      {
        id: 'completeness',
        header: `Data (${COMPLETENESS_DAYS} days)`,
        cell: ({ row }: Cell) =>
          row.original.beiwe && !row.original.deletedAt ? <Completeness participantId={row.original.id} /> : '—',
      },
      {
        id: 'devices',
        header: 'Devices',
        visible: () => devices !== undefined,
        cell: ({ row }: Cell) => {
          const connections = (devices?.get(row.original.id) ?? []).filter((c) => c.status !== 'disconnected');
          return connections.length === 0 ? (
            '—'
          ) : (
            <span className={s.phone}>
              {connections.map((c) => (
                <ConnectionBadge key={c.id} connection={c} withProvider />
              ))}
            </span>
          );
        },
      },
      {
        id: 'deletedAt',
        header: 'Deleted',
        visible: (rows: Participant[]) => rows.some((p) => p.deletedAt),
        cell: ({ row }: Cell) => formatTime(row.original.deletedAt),
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }: Cell) => (
          <ParticipantActions participant={row.original} onChanged={onChanged} onNotice={onNotice} onSheet={onSheet} />
        ),
      },
    ],
    [devices, now, onChanged, onNotice, onSheet, s]
  );
  return (
    <div data-testid={testIds.study.participants}>
      <InteractiveTable columns={columns} data={participants} getRowId={(p) => String(p.id)} />
    </div>
  );
}

type Cell = { row: { original: Participant } };

const getStyles = (theme: GrafanaTheme2) => ({
  phone: css({ display: 'inline-flex', gap: theme.spacing(1), alignItems: 'center' }),
});
