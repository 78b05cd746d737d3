import React, { useCallback, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Checkbox, Field, Input, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { toApiError, type FieldProblem } from '../../api/client.ts';
import type { Intervention, SurveyDefinition } from '../../api/study-config.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { testIds } from '../testIds.ts';
import { NativeSelect } from './NativeSelect.tsx';
import { problemAt, problemsUnder, sentence } from './problems.ts';
import { QuestionEditor } from './QuestionEditor.tsx';
import { SchedulesEditor } from './SchedulesEditor.tsx';
import { fromDraft, isPlacedProblem, newQuestion, textOf, type Draft, type DraftQuestion } from './survey-draft.ts';

type Props = {
  initial: Draft;
  isNew: boolean;
  timezone: string;
  interventions: Intervention[];
  onSave: (definition: SurveyDefinition) => Promise<void>;
  onAddIntervention: (name: string) => Promise<void>;
};

const trackingFlags = [
  { key: 'trigger_on_first_download', label: 'Send as soon as the phone registers' },
  { key: 'always_available', label: 'Always available in the app' },
  { key: 'randomize', label: 'Ask a random selection of the questions' },
  { key: 'randomize_with_memory', label: 'Avoid repeating questions until all were asked' },
];
const audioFlags = trackingFlags.slice(0, 2);

/**
 * A survey's name, settings, questions (or audio prompt) and schedules. What the browser can check
 * it checks; the rest the ingest checks, and each problem appears at the question or field it names.
 */
export function SurveyEditor({ initial, isNew, timezone, interventions, onSave, onAddIntervention }: Props) {
  const s = useStyles2(getStyles);
  const { canChange, reason } = usePermissions();
  const [draft, setDraft] = useState<Draft>(initial);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const setting = (key: string, value: unknown) => set({ settings: { ...draft.settings, [key]: value } });
  const tracking = draft.surveyType === 'tracking_survey';

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setFailure(null);
    const checked = fromDraft(draft);
    if ('problems' in checked) {
      setProblems(checked.problems);
      return;
    }
    setSaving(true);
    setProblems([]);
    try {
      await onSave(checked.definition);
    } catch (err) {
      const error = toApiError(err);
      setProblems([...error.fields]);
      if (error.fields.length === 0) setFailure(error.message);
    } finally {
      setSaving(false);
    }
  };

  const unplaced = problems.filter((p) => !isPlacedProblem(p.field));
  const settingProblem = (key: string) => problemAt(problems, `settings.${key}`);
  const otherSettingProblems = problemsUnder(problems, 'settings').filter(
    (p) => !['number_of_random_questions', 'bit_rate', 'sample_rate', 'audio_survey_type'].includes(p.field.slice(9))
  );
  // Stable, so that editing one question does not redraw the others.
  const changeQuestion = useCallback(
    (i: number, next: DraftQuestion) =>
      setDraft((d) => ({ ...d, questions: d.questions.map((x, j) => (j === i ? next : x)) })),
    []
  );
  const removeQuestion = useCallback(
    (i: number) => setDraft((d) => ({ ...d, questions: d.questions.filter((_, j) => j !== i) })),
    []
  );
  const moveQuestion = useCallback(
    (i: number, by: -1 | 1) =>
      setDraft((d) => {
        const questions = [...d.questions];
        const [q] = questions.splice(i, 1);
        questions.splice(i + by, 0, q!);
        return { ...d, questions };
      }),
    []
  );

  return (
    <form onSubmit={(e) => void submit(e)} data-testid={testIds.surveyEditor.form}>
      {!canChange && (
        <Alert title="Read only" severity="info">
          {reason}
        </Alert>
      )}
      {(failure || problems.length > 0) && (
        <Alert title={isNew ? 'The survey was not created' : 'The survey was not saved'} severity="error">
          {failure ??
            `${problems.length === 1 ? 'One problem needs' : `${problems.length} problems need`} fixing, as shown at ${problems.length === 1 ? 'its field' : 'their fields'}.`}
          {unplaced.map((p) => (
            <div key={p.field}>{sentence(p.message)}</div>
          ))}
        </Alert>
      )}
      <fieldset disabled={!canChange} className={s.fieldset}>
        <Field label="Name" invalid={Boolean(problemAt(problems, 'name'))} error={problemAt(problems, 'name')}>
          <Input id="survey-name" value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} />
        </Field>

        <h3>Settings</h3>
        {otherSettingProblems.map((p) => (
          <Alert key={p.field} title={sentence(`${p.field.slice(9)} ${p.message}`)} severity="error" />
        ))}
        <div className={s.flags}>
          {(tracking ? trackingFlags : audioFlags).map((f) => (
            <Checkbox
              key={f.key}
              label={f.label}
              value={draft.settings[f.key] === true}
              onChange={(e) => setting(f.key, e.currentTarget.checked)}
            />
          ))}
        </div>
        {tracking && (
          <Field
            label="Number of random questions"
            description="Empty or 0: ask every question"
            invalid={Boolean(settingProblem('number_of_random_questions'))}
            error={settingProblem('number_of_random_questions')}
          >
            <Input
              id="survey-random-questions"
              type="number"
              width={12}
              value={textOf(draft.settings.number_of_random_questions)}
              onChange={(e) => {
                const v = e.currentTarget.value.trim();
                setting('number_of_random_questions', v === '' ? null : Number(v));
              }}
            />
          </Field>
        )}
        {!tracking && (
          <Stack gap={2}>
            <Field
              label="Recording format"
              invalid={Boolean(settingProblem('audio_survey_type'))}
              error={settingProblem('audio_survey_type')}
            >
              <NativeSelect
                id="survey-audio-type"
                value={textOf(draft.settings.audio_survey_type) || 'compressed'}
                options={[
                  { value: 'compressed', label: 'Compressed' },
                  { value: 'raw', label: 'Raw (uncompressed)' },
                ]}
                onChange={(v) => setting('audio_survey_type', v)}
              />
            </Field>
            {(['bit_rate', 'sample_rate'] as const).map((key) => (
              <Field
                key={key}
                label={key === 'bit_rate' ? 'Bit rate (bit/s)' : 'Sample rate (Hz)'}
                invalid={Boolean(settingProblem(key))}
                error={settingProblem(key)}
              >
                <Input
                  id={`survey-${key}`}
                  type="number"
                  width={14}
                  value={textOf(draft.settings[key])}
                  onChange={(e) => setting(key, Number(e.currentTarget.value))}
                />
              </Field>
            ))}
          </Stack>
        )}

        <h3>{tracking ? 'Questions' : 'Prompt'}</h3>
        {tracking &&
          draft.questions.map((q, i) => (
            <QuestionEditor
              key={textOf(q.raw.question_id) || i}
              index={i}
              count={draft.questions.length}
              question={q}
              earlier={draft.questions.slice(0, i).map((question, j) => ({ number: j + 1, question }))}
              allProblems={problems}
              onChange={changeQuestion}
              onRemove={removeQuestion}
              onMove={moveQuestion}
            />
          ))}
        {tracking && (
          <Button
            variant="secondary"
            icon="plus"
            onClick={() => set({ questions: [...draft.questions, newQuestion()] })}
          >
            Add question
          </Button>
        )}
        {!tracking &&
          draft.prompts.map((p, i) => {
            const problem =
              problemsUnder(problems, `content.${i}`)
                .map((x) => sentence(x.message))
                .join(' ') || undefined;
            return (
              <Field
                key={i}
                label="What the participant reads before recording"
                invalid={Boolean(problem)}
                error={problem}
              >
                <TextArea
                  id={`survey-prompt-${i}`}
                  rows={3}
                  value={textOf(p.prompt)}
                  onChange={(e) =>
                    set({
                      prompts: draft.prompts.map((x, j) => (j === i ? { ...x, prompt: e.currentTarget.value } : x)),
                    })
                  }
                />
              </Field>
            );
          })}

        <h3 className={s.heading}>Schedule</h3>
        <SchedulesEditor
          weekly={draft.weekly}
          absolute={draft.absolute}
          relative={draft.relative}
          timezone={timezone}
          interventions={interventions}
          problems={problems}
          onChange={set}
          onAddIntervention={onAddIntervention}
        />
      </fieldset>
      <div className={s.footer}>
        <GuardedButton type="submit" icon="save" disabled={saving}>
          {saving ? 'Saving…' : isNew ? 'Create survey' : 'Save survey'}
        </GuardedButton>
      </div>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  fieldset: css({ border: 'none', padding: 0, margin: 0, minWidth: 0, maxWidth: 960 }),
  heading: css({ marginTop: theme.spacing(3) }),
  flags: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  }),
  footer: css({ padding: theme.spacing(2, 0), borderTop: `1px solid ${theme.colors.border.weak}` }),
});
