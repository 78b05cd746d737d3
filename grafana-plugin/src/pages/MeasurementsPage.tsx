import React, { useState } from 'react';
import { Checkbox, LoadingPlaceholder, Stack } from '@grafana/ui';
import { toApiError } from '../api/client.ts';
import { getStudyMeasurements, saveStudyMeasurements, type StudyMeasurements } from '../api/study-config.ts';
import type { Study } from '../api/types.ts';
import { useRequest } from '../hooks/use-request.ts';
import { usePermissions } from '../hooks/use-permissions.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { StudyShell } from '../components/StudyTabs/StudyShell.tsx';
import { testIds } from '../components/testIds.ts';

const VENDORS: Record<string, string> = { fitbit: 'Fitbit', withings: 'Withings', polar: 'Polar' };

/** Which wearable measurements a study collects: what the consent asks patients for, and what pulls read. */
export default function MeasurementsPage() {
  return (
    <StudyShell tab="measurements" title="Wearable measurements">
      {(study) => <Measurements study={study} />}
    </StudyShell>
  );
}

function Measurements({ study }: { study: Study }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const { state, reload } = useRequest(() => getStudyMeasurements(study.id), [study.id]);
  const current = state.value;
  return (
    <div data-testid={testIds.measurements.page}>
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
      {state.status === 'error' && (
        <ErrorAlert title="Could not load the measurements" error={state.error} onRetry={reload} />
      )}
      {!current && state.status === 'loading' && <LoadingPlaceholder text="Loading measurements…" />}
      {current && (
        // A save remounts the form, so what is shown is what was saved.
        <Choice
          key={current.measurements.join(',') + String(current.chosen)}
          current={current}
          onSaved={(saved) => {
            setNotice({
              severity: 'success',
              text: `Saved: the study collects ${saved.measurements.length} measurements.`,
            });
            reload();
          }}
          onError={(text) => setNotice({ severity: 'error', text })}
        />
      )}
    </div>
  );
}

type ChoiceProps = {
  current: StudyMeasurements;
  onSaved: (saved: StudyMeasurements) => void;
  onError: (text: string) => void;
};

function Choice({ current, onSaved, onError }: ChoiceProps) {
  const { canChange, reason } = usePermissions();
  const [chosen, setChosen] = useState(() => new Set(current.measurements));
  const [saving, setSaving] = useState(false);
  const changed = chosen.size !== current.measurements.length || current.measurements.some((m) => !chosen.has(m));
  const toggle = (id: string, on: boolean) =>
    setChosen((before) => {
      const next = new Set(before);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const save = async () => {
    setSaving(true);
    try {
      onSaved(
        await saveStudyMeasurements(
          current.studyId,
          current.catalogue.map((m) => m.id).filter((id) => chosen.has(id))
        )
      );
    } catch (err) {
      onError(`The measurements were not saved: ${toApiError(err).message}`);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <p>
        {current.chosen
          ? 'Patients are asked, when they connect a wearable, for what these measurements need; the pulls read nothing else.'
          : 'Not chosen yet: the study collects every measurement but ECG and irregular-rhythm notifications, which are asked for only once enabled.'}{' '}
        A patient connected before a measurement was added is asked for it only when they connect again: the Sync page
        and their own page say who must, and the sync digest lists them.
      </p>
      {!canChange && <p>{reason}</p>}
      {current.catalogue.map((m) => (
        <Checkbox
          key={m.id}
          label={m.label}
          description={[
            m.providers.map((p) => VENDORS[p] ?? p).join(', '),
            m.optIn ? 'opt-in: a sensitive permission' : '',
          ]
            .filter(Boolean)
            .join(' · ')}
          value={chosen.has(m.id)}
          disabled={!canChange}
          onChange={(e) => toggle(m.id, e.currentTarget.checked)}
        />
      ))}
      <div>
        <GuardedButton onClick={() => void save()} disabled={!changed || saving}>
          Save measurements
        </GuardedButton>
      </div>
    </Stack>
  );
}
