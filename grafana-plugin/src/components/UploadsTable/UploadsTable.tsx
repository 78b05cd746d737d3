import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, InteractiveTable, useStyles2, type BadgeColor } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import { requeueUpload } from '../../api/endpoints.ts';
import type { Upload, UploadStatus } from '../../api/types.ts';
import { formatBytes, formatTime } from '../../format.ts';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { testIds } from '../testIds.ts';

const statusLook: Record<UploadStatus, { color: BadgeColor; text: string }> = {
  queued: { color: 'blue', text: 'Queued' },
  processed: { color: 'green', text: 'Processed' },
  key_error: { color: 'red', text: 'Key error' },
  failed: { color: 'red', text: 'Failed' },
  rejected: { color: 'darkgrey', text: 'Rejected' },
};

export function UploadStatusBadge({ status }: { status: UploadStatus }) {
  const look = statusLook[status];
  return <Badge color={look.color} text={look.text} />;
}

type RowMessage = { ok: boolean; text: string };

/** A participant's uploads: what each file became, why it failed, and re-processing one at a time. */
export function UploadsTable({ uploads, onRequeued }: { uploads: Upload[]; onRequeued: () => void }) {
  const s = useStyles2(getStyles);
  const [messages, setMessages] = useState<Record<number, RowMessage>>({});

  const columns = useMemo(() => {
    const requeue = async (id: number) => {
      try {
        await requeueUpload(id);
        setMessages((m) => ({ ...m, [id]: { ok: true, text: 'Queued for processing again' } }));
        onRequeued();
      } catch (err) {
        setMessages((m) => ({ ...m, [id]: { ok: false, text: toApiError(err).message } }));
      }
    };
    return [
      { id: 'receivedAt', header: 'Received', cell: ({ row }: Cell) => formatTime(row.original.receivedAt) },
      {
        id: 'fileName',
        header: 'File',
        cell: ({ row }: Cell) => (
          <span title={row.original.fileName}>
            <strong>{row.original.stream}</strong> · {formatTime(row.original.fileTime)}
          </span>
        ),
      },
      { id: 'sizeBytes', header: 'Size', cell: ({ row }: Cell) => formatBytes(row.original.sizeBytes) },
      { id: 'status', header: 'Status', cell: ({ row }: Cell) => <UploadStatusBadge status={row.original.status} /> },
      {
        id: 'lines',
        header: 'Lines',
        cell: ({ row }: Cell) =>
          row.original.lines === null
            ? '—'
            : `${row.original.lines}${row.original.badLines ? ` (${row.original.badLines} unreadable)` : ''}`,
      },
      {
        id: 'error',
        header: 'Problem',
        cell: ({ row }: Cell) => {
          const message = messages[row.original.id];
          if (message) return <span className={message.ok ? s.ok : s.error}>{message.text}</span>;
          return row.original.error ? <span className={s.error}>{row.original.error}</span> : null;
        },
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }: Cell) =>
          row.original.status === 'rejected' || row.original.status === 'queued' ? null : (
            <GuardedButton
              size="sm"
              variant="secondary"
              icon="sync"
              aria-label={`Re-process upload ${row.original.id}`}
              onClick={() => void requeue(row.original.id)}
            >
              Re-process
            </GuardedButton>
          ),
      },
    ];
  }, [messages, onRequeued, s]);

  return (
    <div data-testid={testIds.participant.uploads}>
      <InteractiveTable columns={columns} data={uploads} getRowId={(u) => String(u.id)} />
    </div>
  );
}

type Cell = { row: { original: Upload } };

const getStyles = (theme: GrafanaTheme2) => ({
  error: css({ color: theme.colors.error.text }),
  ok: css({ color: theme.colors.success.text }),
});
