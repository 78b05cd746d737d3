import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, FieldValidationMessage, IconButton, Input, Label, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client.ts';
import { saveSyncAlerts } from '../../api/endpoints.ts';
import type { SyncAlerts } from '../../api/types.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { testIds } from '../testIds.ts';

type Props = { settings: SyncAlerts; onSaved: (saved: SyncAlerts) => void };

/** Who gets a study's sync digests, and after how many days without a device sync a device counts as stale. */
export function SyncAlertsForm({ settings, onSaved }: Props) {
  const s = useStyles2(getStyles);
  const { canChange } = usePermissions();
  const [recipients, setRecipients] = useState<string[]>(settings.recipients.length ? settings.recipients : ['']);
  const [days, setDays] = useState(settings.staleDeviceDays === null ? '' : String(settings.staleDeviceDays));
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  const setRecipient = (i: number, value: string) => setRecipients((rs) => rs.map((r, j) => (j === i ? value : r)));
  const removeRecipient = (i: number) => setRecipients((rs) => rs.filter((_, j) => j !== i));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const cleaned = recipients.map((r) => r.trim()).filter(Boolean);
      const saved = await saveSyncAlerts(settings.studyId, {
        recipients: cleaned,
        staleDeviceDays: days.trim() === '' ? null : Number(days),
      });
      setRecipients(saved.recipients.length ? saved.recipients : ['']);
      onSaved(saved);
    } catch (err) {
      setError(toApiError(err));
    }
    setSaving(false);
  };

  // The ingest numbers recipients after blank lines are dropped; map its index back to the line shown.
  const filled = recipients.map((r, i) => ({ r, i })).filter(({ r }) => r.trim() !== '');
  const recipientError = (line: number) => {
    const sent = filled.findIndex(({ i }) => i === line);
    return sent === -1 ? undefined : error?.fieldError(`recipients.${sent}`);
  };
  const listError = error?.fieldError('recipients');
  const daysError = error?.fieldError('staleDeviceDays');
  const atAField = Boolean(listError || daysError || filled.some(({ i }) => recipientError(i)));

  return (
    <form onSubmit={(e) => void submit(e)} data-testid={testIds.notifications.form} className={s.form} noValidate>
      {error && !atAField && (
        <Alert title="The notification settings were not saved" severity="error">
          {error.message}
        </Alert>
      )}
      <div className={s.block}>
        <Label description="Each gets the study's digest of devices that stopped syncing and connections that need new consent.">
          Recipients
        </Label>
        <div className={s.recipients}>
          {recipients.map((r, i) => (
            <div key={i} role="group" aria-label={`Recipient line ${i + 1}`} className={s.line}>
              <Field invalid={Boolean(recipientError(i))} error={recipientError(i)} className={s.field}>
                <Input
                  aria-label={`Recipient ${i + 1}`}
                  placeholder="name@example.org"
                  value={r}
                  disabled={!canChange}
                  onChange={(e) => setRecipient(i, e.currentTarget.value)}
                />
              </Field>
              {canChange && (
                <IconButton name="trash-alt" tooltip={`Remove recipient ${i + 1}`} onClick={() => removeRecipient(i)} />
              )}
            </div>
          ))}
          {listError && <FieldValidationMessage>{listError}</FieldValidationMessage>}
          {canChange && (
            <Button
              type="button"
              size="sm"
              variant="secondary"
              icon="plus"
              onClick={() => setRecipients((rs) => [...rs, ''])}
            >
              Add recipient
            </Button>
          )}
        </div>
      </div>
      <Field
        label="Stale after (days)"
        description={`A device that has not synced for this many days goes into the digest. Empty: the ingest's default, now ${settings.effectiveStaleDeviceDays} days. Reminders repeat every ${settings.reminderDays} days.`}
        invalid={Boolean(daysError)}
        error={daysError}
      >
        <Input
          id="stale-device-days"
          type="number"
          min={1}
          width={16}
          placeholder={String(settings.effectiveStaleDeviceDays)}
          value={days}
          disabled={!canChange}
          onChange={(e) => setDays(e.currentTarget.value)}
        />
      </Field>
      <GuardedButton type="submit" disabled={saving}>
        Save
      </GuardedButton>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ maxWidth: 640 }),
  recipients: css({ display: 'grid', gap: theme.spacing(1), justifyItems: 'start' }),
  block: css({ marginBottom: theme.spacing(2) }),
  field: css({ marginBottom: 0, flex: 1 }),
  line: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1), width: '100%' }),
});
