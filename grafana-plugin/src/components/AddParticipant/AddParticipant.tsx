import React, { useState } from 'react';
import { Alert, Button, Checkbox, Field, Input, Modal, Stack } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client.ts';
import { createConnectLink, enrolParticipant, listProviders } from '../../api/endpoints.ts';
import type { Enrolled } from '../../api/types.ts';
import { useRequest } from '../../hooks/use-request.ts';
import type { SheetRequest } from '../EnrolmentSheet/EnrolmentSheet.tsx';
import { testIds } from '../testIds.ts';

type Props = {
  studyId: number;
  /** The participant made, and what their enrolment sheet shows. */
  onEnrolled: (enrolled: Enrolled, sheet: SheetRequest) => void;
  onDismiss: () => void;
};

/**
 * Enrols a participant under a label, with Beiwe phone credentials unless unticked, and connect
 * links for the wearables chosen, all for one printable sheet.
 */
export function AddParticipant({ studyId, onEnrolled, onDismiss }: Props) {
  const [label, setLabel] = useState('');
  const [beiwe, setBeiwe] = useState(true);
  const [wearables, setWearables] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  // An ingest without wearable support answers 404 here: the form then offers the phone only.
  const providers = useRequest(listProviders, []).state.value?.items ?? [];

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    let enrolled: Enrolled;
    try {
      enrolled = await enrolParticipant(studyId, { label: label.trim(), beiwe });
    } catch (err) {
      setError(toApiError(err));
      setSaving(false);
      return;
    }
    const sheet: Required<Pick<SheetRequest, 'links' | 'problems'>> = { links: [], problems: [] };
    for (const id of wearables) {
      const name = providers.find((p) => p.id === id)?.displayName ?? id;
      try {
        const link = await createConnectLink(enrolled.id, id);
        sheet.links.push({ providerName: name, url: link.url, expiresAt: link.expiresAt });
      } catch (err) {
        sheet.problems.push(`The ${name} connect link could not be made: ${toApiError(err).message}`);
      }
    }
    onEnrolled(enrolled, {
      participantLabel: enrolled.label,
      credentials: enrolled.beiwe ?? undefined,
      reason: 'enrolled',
      ...sheet,
    });
  };

  const toggle = (id: string, on: boolean) => setWearables((w) => (on ? [...w, id] : w.filter((x) => x !== id)));
  // A label clash (409) is about the label too, though the ingest names no field for it.
  const labelError = error?.fieldError('label') ?? (error?.code === 'CONFLICT' ? error.message : undefined);
  return (
    <Modal title="Add participant" isOpen onDismiss={onDismiss}>
      <form onSubmit={(e) => void submit(e)} data-testid={testIds.addParticipant.form}>
        {error && !labelError && (
          <Alert title="The participant was not added" severity="error">
            {error.message}
          </Alert>
        )}
        <Field
          label="Label"
          description="How clinicians will see this participant on dashboards, e.g. patient_12. No names or other identifying details."
          invalid={Boolean(labelError)}
          error={labelError}
          required
        >
          <Input id="participant-label" value={label} onChange={(e) => setLabel(e.currentTarget.value)} autoFocus />
        </Field>
        <Field
          label="Phone"
          description="The patient ID and a temporary password for the Beiwe app, shown once on a printable sheet"
        >
          <Checkbox
            label="Issue Beiwe phone credentials"
            value={beiwe}
            onChange={(e) => setBeiwe(e.currentTarget.checked)}
          />
        </Field>
        {providers.length > 0 && (
          <Field label="Wearables" description="Connect links (with QR codes) to print on the sheet">
            <Stack direction="column" gap={1}>
              {providers.map((p) => (
                <Checkbox
                  key={p.id}
                  label={p.available ? p.displayName : `${p.displayName} (not configured on this server)`}
                  disabled={!p.available}
                  value={wearables.includes(p.id)}
                  onChange={(e) => toggle(p.id, e.currentTarget.checked)}
                />
              ))}
            </Stack>
          </Field>
        )}
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" disabled={saving || label.trim() === ''}>
            {saving ? 'Adding…' : 'Add participant'}
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}
