import React, { useState } from 'react';
import { Alert, Button, Field, Input, Modal, TextArea } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client.ts';
import type { Study, StudyInput } from '../../api/types.ts';
import { testIds } from '../testIds.ts';

type Props = {
  /** The study being edited; none to create one. */
  study?: Study;
  onSubmit: (input: StudyInput) => Promise<void>;
  onDismiss: () => void;
};

/** Create or edit a study's name, description and time zone; the ingest's objections appear at their field. */
export function StudyForm({ study, onSubmit, onDismiss }: Props) {
  const [input, setInput] = useState<StudyInput>({
    name: study?.name ?? '',
    description: study?.description ?? '',
    timezone: study?.timezone ?? 'UTC',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (key: keyof StudyInput) => (e: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setInput({ ...input, [key]: e.currentTarget.value });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      await onSubmit({ ...input, name: input.name.trim(), timezone: input.timezone.trim() });
    } catch (err) {
      setError(toApiError(err));
      setSaving(false);
    }
  };

  const fieldError = (field: keyof StudyInput) => error?.fieldError(field);
  const otherError = error && !(['name', 'description', 'timezone'] as const).some(fieldError) ? error : null;

  return (
    <Modal title={study ? `Edit study ${study.name}` : 'New study'} isOpen onDismiss={onDismiss}>
      <form onSubmit={(e) => void submit(e)} data-testid={testIds.studyForm.form}>
        {otherError && (
          <Alert title={study ? 'The study was not saved' : 'The study was not created'} severity="error">
            {otherError.message}
          </Alert>
        )}
        <Field label="Name" invalid={Boolean(fieldError('name'))} error={fieldError('name')} required>
          <Input id="study-name" value={input.name} onChange={set('name')} autoFocus maxLength={200} />
        </Field>
        <Field label="Description" invalid={Boolean(fieldError('description'))} error={fieldError('description')}>
          <TextArea id="study-description" value={input.description} onChange={set('description')} rows={3} />
        </Field>
        <Field
          label="Time zone"
          description="The study's local time zone (IANA name), used for daily summaries and schedules"
          invalid={Boolean(fieldError('timezone'))}
          error={fieldError('timezone')}
        >
          <Input id="study-timezone" value={input.timezone} onChange={set('timezone')} placeholder="Europe/London" />
        </Field>
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" disabled={saving || input.name.trim() === ''}>
            {study ? 'Save' : 'Create study'}
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}
