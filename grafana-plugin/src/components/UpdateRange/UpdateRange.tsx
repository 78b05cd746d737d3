import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Input, Modal, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client.ts';
import { pullConnection } from '../../api/endpoints.ts';
import type { Connection, PullJob } from '../../api/types.ts';
import { dayBefore, dayRange, rangeProblem } from '../../days.ts';
import { testIds } from '../testIds.ts';

type Props = { connection: Connection; onStarted: (jobs: PullJob[]) => void; onDismiss: () => void };

const quick = [
  { label: 'Last 7 days', days: 7 },
  { label: 'Last 30 days', days: 30 },
  { label: 'Last 90 days', days: 90 },
];

/** Fetches a chosen range of days again from the provider ("update range"): whole UTC days. */
export function UpdateRange({ connection, onStarted, onDismiss }: Props) {
  const s = useStyles2(getStyles);
  const now = useMemo(() => new Date(), []);
  const [from, setFrom] = useState(dayBefore(now, 7));
  const [to, setTo] = useState(dayBefore(now, 0));
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  const local = rangeProblem(from, to, now);
  const fieldError = (field: 'from' | 'to') =>
    (local?.field === field ? local.message : undefined) ?? error?.fieldError(field);
  const pick = (days: number) => {
    setFrom(dayBefore(now, days));
    setTo(dayBefore(now, 0));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (local) return;
    setSaving(true);
    setError(null);
    try {
      const { items } = await pullConnection(connection.id, dayRange(from, to, now));
      onStarted(items);
    } catch (err) {
      setError(toApiError(err));
      setSaving(false);
    }
  };

  const shownAtField = Boolean(error?.fieldError('from') || error?.fieldError('to'));
  const name = `${connection.providerName}${connection.participantLabel ? ` of ${connection.participantLabel}` : ''}`;
  return (
    <Modal title={`Update a range: ${name}`} isOpen onDismiss={onDismiss}>
      <form onSubmit={(e) => void submit(e)} data-testid={testIds.sync.range}>
        {error && !shownAtField && (
          <Alert title="The update was not started" severity="error">
            {error.message}
          </Alert>
        )}
        <p className={s.muted}>
          Fetches these days again from {connection.providerName} (UTC days, first and last included) and replaces what
          was stored for them.
        </p>
        <div className={s.quick}>
          {quick.map((q) => (
            <Button
              key={q.days}
              type="button"
              size="sm"
              variant="secondary"
              fill="outline"
              onClick={() => pick(q.days)}
            >
              {q.label}
            </Button>
          ))}
        </div>
        <div className={s.row}>
          <Field label="First day" invalid={Boolean(fieldError('from'))} error={fieldError('from')}>
            <Input id="range-from" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          </Field>
          <Field label="Last day" invalid={Boolean(fieldError('to'))} error={fieldError('to')}>
            <Input id="range-to" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
          </Field>
        </div>
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" icon="sync" disabled={saving || Boolean(local)}>
            Start update
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  quick: css({ display: 'flex', gap: theme.spacing(1) }),
  row: css({ display: 'flex', gap: theme.spacing(2), marginTop: theme.spacing(2) }),
  muted: css({ color: theme.colors.text.secondary }),
});
