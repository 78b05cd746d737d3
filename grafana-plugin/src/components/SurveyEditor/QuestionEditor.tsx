import React, { memo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Checkbox, Field, IconButton, Input, Stack, TextArea, useStyles2 } from '@grafana/ui';
import type { FieldProblem } from '../../api/client.ts';
import { testIds } from '../testIds.ts';
import { NativeSelect } from './NativeSelect.tsx';
import { problemAt, problemsUnder, sentence, withoutQuestionName } from './problems.ts';
import { SkipLogicEditor } from './SkipLogicEditor.tsx';
import { QUESTION_TYPES, TEXT_FIELD_TYPES, textOf, withType, type DraftQuestion } from './survey-draft.ts';

type Props = {
  index: number;
  count: number;
  question: DraftQuestion;
  earlier: Array<{ number: number; question: DraftQuestion }>;
  /** Every problem with the survey: the question picks out those under `content.<index>`. */
  allProblems: readonly FieldProblem[];
  onChange: (index: number, q: DraftQuestion) => void;
  onRemove: (index: number) => void;
  onMove: (index: number, by: -1 | 1) => void;
};

/** One question: its type, text, answers or range, and when it is shown. */
/**
 * Re-rendered only when this question, one before it, its position or the problems change: a survey
 * may have many questions, and typing in one should not redraw them all.
 */
const unchanged = (a: Props, b: Props) =>
  a.index === b.index &&
  a.count === b.count &&
  a.question === b.question &&
  a.allProblems === b.allProblems &&
  a.onChange === b.onChange &&
  a.earlier.length === b.earlier.length &&
  a.earlier.every((e, i) => e.question === b.earlier[i]?.question);

export const QuestionEditor = memo(function QuestionEditor({
  index,
  count,
  question,
  earlier,
  allProblems,
  onChange: change,
  onRemove,
  onMove,
}: Props) {
  const s = useStyles2(getStyles);
  const { raw } = question;
  const n = index + 1;
  const base = `content.${index}`;
  const problems = problemsUnder(allProblems, base);
  const onChange = (q: DraftQuestion) => change(index, q);
  const id = `q${n}`;
  const type = textOf(raw.question_type);
  const set = (patch: Record<string, unknown>) => onChange({ ...question, raw: { ...raw, ...patch } });
  const answers = Array.isArray(raw.answers) ? (raw.answers as Array<Record<string, unknown>>) : [];
  const setAnswers = (next: Array<Record<string, unknown>>) => set({ answers: next });

  const shown = new Set<string>();
  const at = (field: string) => {
    shown.add(`${base}.${field}`);
    return problemAt(problems, `${base}.${field}`);
  };
  const logicProblems = problemsUnder(problems, `${base}.display_if`);
  const logicProblem =
    logicProblems.length > 0 ? logicProblems.map((p) => sentence(withoutQuestionName(p.message))).join(' ') : undefined;
  const textProblem = at('question_text');
  const typeProblem = at('question_type');
  const answersProblem = at('answers');
  const minProblem = at('min');
  const maxProblem = at('max');
  const textFieldProblem = at('text_field_type');
  const answerProblems = answers.map((_, k) => problemsUnder(problems, `${base}.answers.${k}`));
  const rest = problems.filter(
    (p) => !shown.has(p.field) && !p.field.startsWith(`${base}.display_if`) && !p.field.startsWith(`${base}.answers.`)
  );

  return (
    <section className={s.card} data-testid={testIds.surveyEditor.question} aria-label={`Question ${n}`}>
      <div className={s.header}>
        <h4>Question {n}</h4>
        <Stack gap={0.5}>
          <IconButton
            name="arrow-up"
            tooltip={`Move question ${n} up`}
            disabled={index === 0}
            onClick={() => onMove(index, -1)}
          />
          <IconButton
            name="arrow-down"
            tooltip={`Move question ${n} down`}
            disabled={index === count - 1}
            onClick={() => onMove(index, 1)}
          />
          <IconButton name="trash-alt" tooltip={`Remove question ${n}`} onClick={() => onRemove(index)} />
        </Stack>
      </div>
      {rest.map((p) => (
        <Alert key={p.field} title={sentence(withoutQuestionName(p.message))} severity="error" />
      ))}
      <Field label="Type" invalid={Boolean(typeProblem)} error={typeProblem}>
        <NativeSelect
          id={`${id}-type`}
          value={type}
          options={QUESTION_TYPES}
          onChange={(t) => onChange({ ...question, raw: withType(raw, t) })}
        />
      </Field>
      <Field label="Question text" invalid={Boolean(textProblem)} error={textProblem}>
        <TextArea
          id={`${id}-text`}
          rows={2}
          value={textOf(raw.question_text)}
          onChange={(e) => set({ question_text: e.currentTarget.value })}
        />
      </Field>
      {(type === 'radio_button' || type === 'checkbox') && (
        <Field
          label="Answers"
          description="Skip logic compares the position of the answer, counting from 0"
          invalid={Boolean(answersProblem)}
          error={answersProblem}
        >
          <>
            <div className={s.answers}>
              {answers.map((a, k) => {
                const problem = answerProblems[k]!.map((p) => sentence(p.message)).join(' ');
                return (
                  <div key={k}>
                    <div className={s.answer}>
                      <span className={s.position}>{k}</span>
                      <Input
                        id={`${id}-answer-${k}`}
                        aria-label={`Question ${n} answer ${k + 1}`}
                        value={textOf(a.text)}
                        onChange={(e) =>
                          setAnswers(answers.map((x, j) => (j === k ? { ...x, text: e.currentTarget.value } : x)))
                        }
                      />
                      <IconButton
                        name="times"
                        tooltip={`Remove answer ${k + 1}`}
                        onClick={() => setAnswers(answers.filter((_, j) => j !== k))}
                      />
                    </div>
                    {problem && <div className={s.error}>{problem}</div>}
                  </div>
                );
              })}
              <Button
                className={s.add}
                size="sm"
                variant="secondary"
                icon="plus"
                onClick={() => setAnswers([...answers, { text: '' }])}
              >
                Add answer
              </Button>
            </div>
          </>
        </Field>
      )}
      {type === 'slider' && (
        <Stack gap={2}>
          <Field label="Minimum" invalid={Boolean(minProblem)} error={minProblem}>
            <Input
              id={`${id}-min`}
              type="number"
              width={12}
              value={textOf(raw.min)}
              onChange={(e) => set({ min: toInteger(e.currentTarget.value) })}
            />
          </Field>
          <Field label="Maximum" invalid={Boolean(maxProblem)} error={maxProblem}>
            <Input
              id={`${id}-max`}
              type="number"
              width={12}
              value={textOf(raw.max)}
              onChange={(e) => set({ max: toInteger(e.currentTarget.value) })}
            />
          </Field>
        </Stack>
      )}
      {type === 'free_response' && (
        <Field label="Answer kind" invalid={Boolean(textFieldProblem)} error={textFieldProblem}>
          <NativeSelect
            id={`${id}-text-field-type`}
            value={textOf(raw.text_field_type)}
            options={TEXT_FIELD_TYPES}
            onChange={(t) => set({ text_field_type: t })}
          />
        </Field>
      )}
      {type !== 'info_text_box' && (
        <Checkbox
          label="Required"
          value={raw.required === true}
          onChange={(e) => set({ required: e.currentTarget.checked })}
        />
      )}
      <SkipLogicEditor
        id={id}
        logic={question.logic}
        earlier={earlier}
        problem={logicProblem}
        onChange={(logic) => onChange({ ...question, logic })}
      />
    </section>
  );
}, unchanged);

/** Slider bounds are whole numbers; what is not one goes as typed, for the ingest to name. */
const toInteger = (text: string): number | string => (/^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text);

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    border: `1px solid ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  header: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }),
  answers: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), maxWidth: 600 }),
  answer: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center' }),
  position: css({ width: theme.spacing(3), color: theme.colors.text.secondary, textAlign: 'right' }),
  add: css({ alignSelf: 'flex-start' }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
});
