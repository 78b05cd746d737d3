import React, { useState } from 'react';
import { Alert, Button, Field, Input, Modal, RadioButtonGroup } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client.ts';
import { updateParticipant } from '../../api/endpoints.ts';
import { PARTICIPANT_STATUSES, type Participant, type ParticipantStatus } from '../../api/types.ts';
import { testIds } from '../testIds.ts';

type Props = { participant: Participant; onSaved: (p: Participant) => void; onDismiss: () => void };

const statusOptions = PARTICIPANT_STATUSES.map((s) => ({ label: s.charAt(0).toUpperCase() + s.slice(1), value: s }));

/** Renames a participant (the label on every dashboard) or changes their status. */
export function EditParticipant({ participant, onSaved, onDismiss }: Props) {
  const [label, setLabel] = useState(participant.label);
  const [status, setStatus] = useState<ParticipantStatus>(participant.status);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  const patch = {
    ...(label.trim() !== participant.label ? { label: label.trim() } : {}),
    ...(status !== participant.status ? { status } : {}),
  };
  const unchanged = Object.keys(patch).length === 0;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      onSaved(await updateParticipant(participant.id, patch));
    } catch (err) {
      setError(toApiError(err));
      setSaving(false);
    }
  };

  const labelError = error?.fieldError('label') ?? (error?.code === 'CONFLICT' ? error.message : undefined);
  const statusError = error?.fieldError('status');
  return (
    <Modal title={`Edit ${participant.label}`} isOpen onDismiss={onDismiss}>
      <form onSubmit={(e) => void submit(e)} data-testid={testIds.editParticipant.form}>
        {error && !labelError && !statusError && (
          <Alert title="The participant was not saved" severity="error">
            {error.message}
          </Alert>
        )}
        <Field label="Label" invalid={Boolean(labelError)} error={labelError} required>
          <Input id="participant-label" value={label} onChange={(e) => setLabel(e.currentTarget.value)} autoFocus />
        </Field>
        <Field label="Status" invalid={Boolean(statusError)} error={statusError}>
          <RadioButtonGroup options={statusOptions} value={status} onChange={setStatus} />
        </Field>
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" disabled={saving || unchanged || label.trim() === ''}>
            Save
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}
