import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import type { AuditRecord } from '../../api/types.ts';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { undoOf } from './audit-undo.ts';

type Change = { field: string; before: string; after: string };

/** The fields an audited action changed, before and after, one row each. */
export function changesOf(before: unknown, after: unknown): Change[] {
  const b = asRecord(before);
  const a = asRecord(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys
    .filter((k) => k !== 'updatedAt' && show(b[k]) !== show(a[k]))
    .map((k) => ({ field: k, before: k in b ? show(b[k]) : '—', after: k in a ? show(a[k]) : '—' }));
}

/** What an audit entry changed, and the way to take it back where there is one. */
export function AuditChanges({ record, onUndone }: { record: AuditRecord; onUndone: () => void }) {
  const s = useStyles2(getStyles);
  const changes = changesOf(record.before, record.after);
  const undo = undoOf(record);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const runUndo = async () => {
    if (!undo) return;
    try {
      await undo.run();
      setOutcome({ ok: true, text: 'Done.' });
      onUndone();
    } catch (err) {
      setOutcome({ ok: false, text: toApiError(err).message });
    }
  };
  return (
    <div className={s.box}>
      {changes.length === 0 ? (
        <p className={s.muted}>No field changed.</p>
      ) : (
        <table className={s.table}>
          <thead>
            <tr>
              <th>Field</th>
              <th>Before</th>
              <th>After</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={c.field}>
                <td>{c.field}</td>
                <td>{c.before}</td>
                <td>{c.after}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {undo && (
        <div className={s.undo}>
          <GuardedButton size="sm" variant="secondary" icon="history" onClick={() => void runUndo()}>
            {undo.label}
          </GuardedButton>
          {outcome && <span className={outcome.ok ? s.ok : s.error}>{outcome.text}</span>}
        </div>
      )}
      <p className={s.muted}>
        {record.actor.login} ({record.actor.role}
        {record.actor.isServerAdmin ? ', server admin' : ''}){record.requestId ? ` · request ${record.requestId}` : ''}
      </p>
    </div>
  );
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** One value as text: scalars as themselves, nested objects as `key: value` pairs. */
function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ');
  }
  return String(value as string | number | boolean);
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ padding: theme.spacing(1, 2) }),
  table: css({
    width: '100%',
    'th, td': { padding: theme.spacing(0.5, 1), textAlign: 'left', verticalAlign: 'top' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  muted: css({ color: theme.colors.text.secondary, margin: theme.spacing(1, 0, 0) }),
  undo: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2), marginTop: theme.spacing(1) }),
  ok: css({ color: theme.colors.success.text }),
  error: css({ color: theme.colors.error.text }),
});
