import React, { useState } from 'react';
import { css } from '@emotion/css';
import { Button, IconButton, Input, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { toApiError } from '../api/client.ts';
import {
  getSourcePriorities,
  saveSourcePriorities,
  type PriorityEntry,
  type SourcePriorities,
} from '../api/study-config.ts';
import type { Study } from '../api/types.ts';
import { useRequest } from '../hooks/use-request.ts';
import { usePermissions } from '../hooks/use-permissions.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { NativeSelect } from '../components/SurveyEditor/NativeSelect.tsx';
import { priorityLabel, sourceName } from '../components/SourcePriority/source-priority-names.ts';
import { StudyShell } from '../components/StudyTabs/StudyShell.tsx';
import { testIds } from '../components/testIds.ts';

/** An entry as edited: the device as typed, empty for any device. */
type Line = { source: string; device: string };
type Lists = Record<string, Line[]>;

const toLines = (entries: PriorityEntry[]): Line[] =>
  entries.map((e) => ({ source: e.source, device: e.device ?? '' }));
const toEntries = (lines: Line[]): PriorityEntry[] =>
  lines.map((l) => (l.device.trim() === '' ? { source: l.source } : { source: l.source, device: l.device }));

/**
 * Which source a study prefers per measurement, where a patient's sources measure the same time,
 * day or session: what the preferred exports and the dashboards' "preferred" view keep.
 */
export default function SourcePriorityPage() {
  return (
    <StudyShell tab="source-priority" title="Source priority">
      {(study) => <Priorities study={study} />}
    </StudyShell>
  );
}

function Priorities({ study }: { study: Study }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const { state, reload } = useRequest(() => getSourcePriorities(study.id), [study.id]);
  const current = state.value;
  return (
    <div data-testid={testIds.sourcePriority.page}>
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
      {state.status === 'error' && (
        <ErrorAlert title="Could not load the source priority" error={state.error} onRetry={reload} />
      )}
      {!current && state.status === 'loading' && <LoadingPlaceholder text="Loading the source priority…" />}
      {current && (
        // A save remounts the form, so what is shown is what was saved.
        <PriorityForm
          key={JSON.stringify(current.priorities)}
          current={current}
          onSaved={() => {
            setNotice({ severity: 'success', text: 'Saved: the preferred series follow the new order.' });
            reload();
          }}
          onError={(text) => setNotice({ severity: 'error', text })}
        />
      )}
    </div>
  );
}

type FormProps = { current: SourcePriorities; onSaved: () => void; onError: (text: string) => void };

function PriorityForm({ current, onSaved, onError }: FormProps) {
  const s = useStyles2(getStyles);
  const { canChange, reason } = usePermissions();
  const measurements = Object.keys(current.defaultOrder);
  const [lists, setLists] = useState<Lists>(() =>
    Object.fromEntries(measurements.map((m) => [m, toLines(current.priorities[m] ?? [])]))
  );
  const [saving, setSaving] = useState(false);
  const edit = (m: string, f: (lines: Line[]) => Line[]) =>
    setLists((before) => ({ ...before, [m]: f(before[m] ?? []) }));
  const changed = measurements.some(
    (m) => JSON.stringify(toEntries(lists[m] ?? [])) !== JSON.stringify(current.priorities[m] ?? [])
  );
  const save = async () => {
    setSaving(true);
    try {
      // A measurement without a list is left out: the default order.
      await saveSourcePriorities(
        current.studyId,
        Object.fromEntries(
          measurements.filter((m) => (lists[m] ?? []).length > 0).map((m) => [m, toEntries(lists[m] ?? [])])
        )
      );
      onSaved();
    } catch (err) {
      onError(`The source priority was not saved: ${toApiError(err).message}`);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <p>
        Where a patient&apos;s sources measured the same minute, day or session, the preferred exports and views keep
        the first source listed that has data there; the others fill what it lacks. Sources not listed follow in the
        default order. Every source&apos;s own data stays. Point readings (weight, blood pressure, SpO2 and temperature
        readings, ECGs) are not ranked: each is its own measurement.
      </p>
      {!canChange && <p>{reason}</p>}
      {measurements.map((m) => {
        const sources = current.defaultOrder[m] ?? [];
        const lines = lists[m] ?? [];
        const label = priorityLabel(m);
        const unlisted = sources.filter((src) => !lines.some((l) => l.source === src && l.device.trim() === ''));
        return (
          <section key={m} aria-label={label} className={s.measurement}>
            <h4>{label}</h4>
            {lines.map((l, i) => (
              <div key={i} role="group" aria-label={`${label} entry ${i + 1}`} className={s.line}>
                <span>{i + 1}.</span>
                {canChange ? (
                  <>
                    <NativeSelect
                      id={`priority-${m}-${i}`}
                      aria-label={`${label} source ${i + 1}`}
                      value={l.source}
                      options={sources.map((src) => ({ value: src, label: sourceName(src) }))}
                      onChange={(source) =>
                        edit(m, (ls) =>
                          ls.map((x, j) => (j === i ? { source, device: source === 'phone' ? '' : x.device } : x))
                        )
                      }
                    />
                    <Input
                      aria-label={`${label} device ${i + 1}`}
                      placeholder={l.source === 'phone' ? 'the phone names no device' : 'any device'}
                      value={l.device}
                      disabled={l.source === 'phone'}
                      onChange={(e) => {
                        const device = e.currentTarget.value;
                        edit(m, (ls) => ls.map((x, j) => (j === i ? { ...x, device } : x)));
                      }}
                    />
                  </>
                ) : (
                  <span>
                    {sourceName(l.source)} {l.device === '' ? '(any device)' : `"${l.device}"`}
                  </span>
                )}
                {canChange && (
                  <>
                    <IconButton
                      name="arrow-up"
                      tooltip={`Move ${label} entry ${i + 1} up`}
                      disabled={i === 0}
                      onClick={() =>
                        edit(m, (ls) => ls.map((x, j) => (j === i - 1 ? ls[i]! : j === i ? ls[i - 1]! : x)))
                      }
                    />
                    <IconButton
                      name="trash-alt"
                      tooltip={`Remove ${label} entry ${i + 1}`}
                      onClick={() => edit(m, (ls) => ls.filter((_, j) => j !== i))}
                    />
                  </>
                )}
              </div>
            ))}
            <p className={s.rest}>
              {lines.length === 0 ? 'Default order: ' : 'Then: '}
              {unlisted.map(sourceName).join(', ') || 'none'}
            </p>
            {canChange && unlisted.length > 0 && (
              <Button
                type="button"
                size="sm"
                variant="secondary"
                icon="plus"
                aria-label={`Add a ${label} source`}
                onClick={() => edit(m, (ls) => [...ls, { source: unlisted[0]!, device: '' }])}
              >
                Add source
              </Button>
            )}
          </section>
        );
      })}
      <div>
        <GuardedButton onClick={() => void save()} disabled={!changed || saving}>
          Save source priority
        </GuardedButton>
      </div>
    </Stack>
  );
}

const getStyles = () => ({
  measurement: css({ display: 'flex', flexDirection: 'column', gap: 4 }),
  line: css({ display: 'flex', alignItems: 'center', gap: 8, maxWidth: 640 }),
  rest: css({ margin: 0 }),
});
