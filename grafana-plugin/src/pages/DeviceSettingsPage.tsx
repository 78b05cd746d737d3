import React, { useState } from 'react';
import { LoadingPlaceholder } from '@grafana/ui';
import { getDeviceSettings, saveDeviceSettings, type DeviceSettings } from '../api/study-config.ts';
import type { Study } from '../api/types.ts';
import { formatTime } from '../format.ts';
import { useRequest } from '../hooks/use-request.ts';
import { DeviceSettingsForm } from '../components/DeviceSettingsForm/DeviceSettingsForm.tsx';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { StudyShell } from '../components/StudyTabs/StudyShell.tsx';
import { testIds } from '../components/testIds.ts';

/** A study's Beiwe device settings: what its phones collect and how often they upload. */
export default function DeviceSettingsPage() {
  return (
    <StudyShell tab="device-settings" title="Device settings">
      {(study) => <Settings study={study} />}
    </StudyShell>
  );
}

function Settings({ study }: { study: Study }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const { state, reload } = useRequest(() => getDeviceSettings(study.id), [study.id]);
  const current = state.value;

  const save = async (patch: Partial<DeviceSettings>) => {
    const saved = await saveDeviceSettings(study.id, patch);
    setNotice({ severity: 'success', text: `Saved the device settings (version ${saved.version}).` });
    reload();
  };

  return (
    <div data-testid={testIds.deviceSettings.page}>
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
      {state.status === 'error' && (
        <ErrorAlert title="Could not load the device settings" error={state.error} onRetry={reload} />
      )}
      {!current && state.status === 'loading' && <LoadingPlaceholder text="Loading device settings…" />}
      {current && (
        <>
          <p>
            {current.version === 0
              ? 'Beiwe’s defaults: no settings have been saved for this study yet.'
              : `Version ${current.version}, saved by ${current.createdBy ?? 'unknown'} on ${formatTime(current.createdAt)}.`}{' '}
            Phones pick up changes the next time they check in.
          </p>
          {/* A new version remounts the form, so what is shown is what was saved. */}
          <DeviceSettingsForm key={current.version} current={current} onSave={save} />
        </>
      )}
    </div>
  );
}
