import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Checkbox, FileUpload, Stack, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../api/client.ts';
import {
  exportStudyFile,
  getDeviceSettings,
  getSourcePriorities,
  getStudyMeasurements,
  importStudyFile,
  listInterventions,
  type ImportParts,
  type ImportResult,
} from '../api/study-config.ts';
import type { Study } from '../api/types.ts';
import { useRequest } from '../hooks/use-request.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { StudyShell } from '../components/StudyTabs/StudyShell.tsx';
import { describeFilePath, previewImport, readText, studyFileName } from '../components/StudyFile/study-file.ts';
import { priorityLabel } from '../components/SourcePriority/source-priority-names.ts';
import { sentence, withoutQuestionName } from '../components/SurveyEditor/problems.ts';
import { testIds } from '../components/testIds.ts';
import { saveFile } from '../save-file.ts';

/** Beiwe's study settings file: download this study's, or bring another's settings and surveys in. */
export default function StudyFilePage() {
  return (
    <StudyShell tab="study-file" title="Import / export">
      {(study) => <StudyFile study={study} />}
    </StudyShell>
  );
}

type Chosen = { name: string; content: unknown } | { name: string; unreadable: string };

function StudyFile({ study }: { study: Study }) {
  const s = useStyles2(getStyles);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<ApiError | null>(null);
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const [parts, setParts] = useState<ImportParts>({
    deviceSettings: true,
    surveys: true,
    timezone: true,
    measurements: true,
    sourcePriorities: true,
  });
  const [applying, setApplying] = useState(false);
  const [importError, setImportError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const current = useRequest(async () => {
    const [settings, interventions, measurements, priorities] = await Promise.all([
      getDeviceSettings(study.id),
      listInterventions(study.id),
      getStudyMeasurements(study.id),
      getSourcePriorities(study.id),
    ]);
    return {
      settings: settings.settings,
      interventions: interventions.items.map((i) => i.name),
      timezone: study.timezone,
      measurements: {
        chosen: measurements.measurements,
        labels: new Map(measurements.catalogue.map((m) => [m.id, m.label])),
      },
      sourcePriorities: priorities.priorities,
    };
  }, [study.id, study.timezone, result]);

  const download = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const data = await exportStudyFile(study.id);
      saveFile(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }), studyFileName(study.name));
    } catch (err) {
      setExportError(toApiError(err));
    } finally {
      setExporting(false);
    }
  };

  const choose = async (file: File | undefined) => {
    setResult(null);
    setImportError(null);
    if (!file) return;
    const text = await readText(file);
    try {
      setChosen({ name: file.name, content: JSON.parse(text) as unknown });
    } catch (err) {
      setChosen({ name: file.name, unreadable: `${file.name} is not a JSON file (${(err as Error).message}).` });
    }
  };

  const apply = async () => {
    if (!chosen || !('content' in chosen)) return;
    setApplying(true);
    setImportError(null);
    try {
      setResult(await importStudyFile(study.id, chosen.content, parts));
      setChosen(null);
    } catch (err) {
      setImportError(toApiError(err));
    } finally {
      setApplying(false);
    }
  };

  const preview =
    chosen && 'content' in chosen && current.state.value
      ? previewImport(chosen.content, current.state.value, parts)
      : null;
  const nothing =
    preview && !('notAFile' in preview)
      ? preview.settingChanges.length === 0 &&
        preview.surveys.length === 0 &&
        !preview.timezone &&
        !preview.measurements &&
        preview.sourcePriorities.length === 0 &&
        preview.newInterventions.length === 0
      : false;

  return (
    <div data-testid={testIds.studyFile.page}>
      <section className={s.section}>
        <h3>Export</h3>
        <p>
          The study’s device settings, live surveys with their schedules, interventions, time zone, wearable
          measurements and source priority, as a Beiwe study settings file: {studyFileName(study.name)}. Beiwe and Vigil
          can both import it (Beiwe leaves the wearable measurements and source priority out).
        </p>
        {exportError && <ErrorAlert title="The study file was not exported" error={exportError} />}
        <Button icon="download-alt" onClick={() => void download()} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Download study file'}
        </Button>
      </section>

      <section className={s.section}>
        <h3>Import</h3>
        <p>
          Bring in a Beiwe study settings file: the settings it names replace this study’s, its surveys are added as new
          surveys, and its interventions are added by name. Nothing changes unless the whole file is good.
        </p>
        {current.state.status === 'error' && (
          <ErrorAlert
            title="Could not load the study’s settings"
            error={current.state.error}
            onRetry={current.reload}
          />
        )}
        <FileUpload accept=".json,application/json" onFileUpload={(e) => void choose(e.currentTarget.files?.[0])}>
          Choose a study file
        </FileUpload>
        {result && <ImportDone result={result} />}
        {chosen && 'unreadable' in chosen && (
          <Alert title="This file cannot be imported" severity="error">
            {chosen.unreadable}
          </Alert>
        )}
        {preview && 'notAFile' in preview && (
          <Alert title="This file cannot be imported" severity="error">
            {preview.notAFile}
          </Alert>
        )}
        {preview && !('notAFile' in preview) && chosen && 'content' in chosen && (
          <div data-testid={testIds.studyFile.preview} className={s.preview}>
            <h4>What importing {chosen.name} will change</h4>
            <Stack gap={2}>
              <Checkbox
                label="Device settings"
                value={parts.deviceSettings}
                onChange={(e) => setParts({ ...parts, deviceSettings: e.currentTarget.checked })}
              />
              <Checkbox
                label="Surveys"
                value={parts.surveys}
                onChange={(e) => setParts({ ...parts, surveys: e.currentTarget.checked })}
              />
              <Checkbox
                label="Time zone"
                value={parts.timezone}
                onChange={(e) => setParts({ ...parts, timezone: e.currentTarget.checked })}
              />
              <Checkbox
                label="Wearable measurements"
                value={parts.measurements}
                onChange={(e) => setParts({ ...parts, measurements: e.currentTarget.checked })}
              />
              <Checkbox
                label="Source priority"
                value={parts.sourcePriorities}
                onChange={(e) => setParts({ ...parts, sourcePriorities: e.currentTarget.checked })}
              />
            </Stack>
            <ul className={s.list}>
              {preview.settingChanges.map((c) => (
                <li key={c.key}>{`${c.label}: ${c.before} → ${c.after}`}</li>
              ))}
              {preview.surveys.map((sv, i) => (
                <li key={`survey-${i}`}>{`New survey ${sv.name} (${sv.kind})`}</li>
              ))}
              {preview.newInterventions.map((name) => (
                <li key={`intervention-${name}`}>{`New intervention ${name}`}</li>
              ))}
              {preview.timezone && <li>{`Time zone: ${preview.timezone.before} → ${preview.timezone.after}`}</li>}
              {preview.measurements && <li>{measurementChange(preview.measurements)}</li>}
              {preview.sourcePriorities.map((c) => (
                <li key={`priority-${c.measurement}`}>{`Source priority of ${c.label}: ${c.before} → ${c.after}`}</li>
              ))}
              {nothing && <li>Nothing: the file matches this study.</li>}
            </ul>
            {importError && <ImportProblems error={importError} file={chosen.content} />}
            <Stack gap={2}>
              <GuardedButton
                icon="cloud-upload"
                onClick={() => void apply()}
                disabled={applying || nothing || Boolean(study.deletedAt)}
              >
                {applying ? 'Importing…' : 'Import'}
              </GuardedButton>
              <Button variant="secondary" fill="outline" onClick={() => setChosen(null)}>
                Cancel
              </Button>
            </Stack>
          </div>
        )}
      </section>
    </div>
  );
}

function ImportProblems({ error, file }: { error: ApiError; file: unknown }) {
  if (error.fields.length === 0) return <ErrorAlert title="The file was not imported" error={error} />;
  return (
    <Alert
      title={`The file was not imported: it has ${error.fields.length === 1 ? 'one problem' : `${error.fields.length} problems`}`}
      severity="error"
    >
      <ul>
        {error.fields.map((p, i) => (
          <li key={i}>
            <strong>{describeFilePath(p.field, file)}</strong>: {sentence(withoutQuestionName(p.message))}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

function measurementChange({ added, removed }: { added: string[]; removed: string[] }): string {
  const parts = [
    ...(added.length > 0 ? [`starts ${added.join(', ')}`] : []),
    ...(removed.length > 0 ? [`stops ${removed.join(', ')}`] : []),
  ];
  return `Wearable measurements: ${parts.join('; ')}`;
}

/** The measurements whose source list an import changed, by label. */
function prioritiesChanged({ before, after }: NonNullable<ImportResult['sourcePriorities']>): string {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((m) => JSON.stringify(before[m] ?? []) !== JSON.stringify(after[m] ?? []))
    .map(priorityLabel)
    .join(', ');
}

function ImportDone({ result }: { result: ImportResult }) {
  const lines = [
    result.deviceSettingsVersion === null
      ? 'The device settings did not change.'
      : `Saved the device settings as version ${result.deviceSettingsVersion}.`,
    ...result.surveys.map((sv) => `Added survey ${sv.name || sv.id}.`),
    ...result.interventionsAdded.map((name) => `Added intervention ${name}.`),
    ...(result.timezone ? [`Changed the time zone from ${result.timezone.before} to ${result.timezone.after}.`] : []),
    ...(result.measurements ? [`Changed the wearable measurements to ${result.measurements.after.join(', ')}.`] : []),
    ...(result.sourcePriorities
      ? [`Changed the source priority of ${prioritiesChanged(result.sourcePriorities)}.`]
      : []),
    // The file is gone by now: paths are put in words without its survey names.
    ...result.notServed.map((p) => `${describeFilePath(p.field, null)}: ${sentence(p.message)}`),
  ];
  return (
    <Alert title="Imported the study file" severity="success">
      <ul>
        {lines.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
    </Alert>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(4), maxWidth: 900 }),
  preview: css({
    marginTop: theme.spacing(2),
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
  }),
  list: css({ margin: theme.spacing(2, 0, 2, 3) }),
});
