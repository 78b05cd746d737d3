import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, IconButton, Input, RadioButtonGroup, TextArea, useStyles2 } from '@grafana/ui';
import { NativeSelect } from './NativeSelect.tsx';
import { COMPARATORS, isNumericQuestion, type Comparator, type DraftQuestion, type Logic } from './survey-draft.ts';

type Props = {
  id: string;
  logic: Logic;
  /** The questions before this one, with their numbers: the only ones a condition may look at. */
  earlier: Array<{ number: number; question: DraftQuestion }>;
  problem: string | undefined;
  onChange: (logic: Logic) => void;
};

const modes = [
  { label: 'Always show', value: 'always' as const },
  { label: 'Only if all of', value: 'all' as const },
  { label: 'Only if any of', value: 'any' as const },
  { label: 'JSON logic', value: 'advanced' as const },
];
const comparisonLabels: Record<Comparator, string> = {
  '==': 'is',
  '!=': 'is not',
  '<': 'is less than',
  '<=': 'is at most',
  '>': 'is more than',
  '>=': 'is at least',
};

const short = (text: unknown) => {
  const t = typeof text === 'string' ? text.trim() : '';
  return t.length > 40 ? `${t.slice(0, 39)}…` : t || '(no text)';
};

/**
 * A question's display_if: shown always, or only when earlier numeric answers meet conditions
 * (radio buttons and checkboxes answer with the position of the choice, counting from 0).
 */
export function SkipLogicEditor({ id, logic, earlier, problem, onChange }: Props) {
  const s = useStyles2(getStyles);
  const candidates = earlier.filter((e) => isNumericQuestion(e.question.raw));
  const options = candidates.map((e) => ({
    value: String(e.question.raw.question_id),
    label: `Q${e.number}: ${short(e.question.raw.question_text)}`,
  }));
  const firstId = options[0]?.value ?? '';
  const blank = () => ({ questionId: firstId, op: '==' as Comparator, value: '' });

  const setMode = (mode: Logic['mode']) => {
    if (mode === 'always') onChange({ mode });
    else if (mode === 'advanced') onChange({ mode, text: logic.mode === 'advanced' ? logic.text : '{}' });
    else onChange({ mode, conditions: logic.mode === 'all' || logic.mode === 'any' ? logic.conditions : [blank()] });
  };

  return (
    <Field label="Skip logic" invalid={Boolean(problem)} error={problem}>
      {/* A fragment: Field would hand its props (invalid, disabled) to a div. */}
      <>
        <div>
          <RadioButtonGroup size="sm" options={modes} value={logic.mode} onChange={setMode} />
          {logic.mode === 'advanced' && (
            <TextArea
              id={`${id}-json`}
              aria-label="Skip logic as JSON"
              className={s.json}
              rows={4}
              value={logic.text}
              onChange={(e) => onChange({ mode: 'advanced', text: e.currentTarget.value })}
            />
          )}
          {(logic.mode === 'all' || logic.mode === 'any') && (
            <div className={s.conditions}>
              {options.length === 0 && (
                <p className={s.hint}>
                  No earlier slider, radio button, checkbox or numeric question to depend on: add one above this
                  question.
                </p>
              )}
              {logic.conditions.map((c, i) => {
                const n = i + 1;
                const target = earlier.find((e) => e.question.raw.question_id === c.questionId)?.question.raw;
                const answers = Array.isArray(target?.answers) ? (target.answers as Array<{ text?: unknown }>) : [];
                const change = (patch: Partial<typeof c>) =>
                  onChange({
                    ...logic,
                    conditions: logic.conditions.map((x, j) => (j === i ? { ...x, ...patch } : x)),
                  });
                return (
                  <div key={i} className={s.row}>
                    <NativeSelect
                      id={`${id}-c${n}-question`}
                      aria-label={`Condition ${n} question`}
                      value={c.questionId}
                      placeholder="Choose a question"
                      options={
                        options.some((o) => o.value === c.questionId) || c.questionId === ''
                          ? options
                          : [...options, { value: c.questionId, label: `Question ${c.questionId}` }]
                      }
                      onChange={(questionId) => change({ questionId })}
                    />
                    <NativeSelect
                      id={`${id}-c${n}-op`}
                      aria-label={`Condition ${n} comparison`}
                      value={c.op}
                      options={COMPARATORS.filter(
                        // The iOS app stops on "is not" for a checkbox (the ingest refuses it): offered only to remove it.
                        (op) => op !== '!=' || target?.question_type !== 'checkbox' || c.op === '!='
                      ).map((op) => ({ value: op, label: comparisonLabels[op] }))}
                      onChange={(op) => change({ op })}
                    />
                    <Input
                      id={`${id}-c${n}-value`}
                      aria-label={`Condition ${n} value`}
                      width={12}
                      value={c.value}
                      onChange={(e) => change({ value: e.currentTarget.value })}
                    />
                    <IconButton
                      name="trash-alt"
                      tooltip={`Remove condition ${n}`}
                      onClick={() => {
                        const conditions = logic.conditions.filter((_, j) => j !== i);
                        onChange(conditions.length === 0 ? { mode: 'always' } : { ...logic, conditions });
                      }}
                    />
                    {answers.length > 0 && (
                      <span className={s.hint}>{answers.map((a, k) => `${k} = ${short(a.text)}`).join(', ')}</span>
                    )}
                  </div>
                );
              })}
              <Button
                className={s.add}
                size="sm"
                variant="secondary"
                icon="plus"
                onClick={() => onChange({ ...logic, conditions: [...logic.conditions, blank()] })}
              >
                Add condition
              </Button>
            </div>
          )}
        </div>
      </>
    </Field>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  conditions: css({ marginTop: theme.spacing(1), display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  row: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', flexWrap: 'wrap' }),
  add: css({ alignSelf: 'flex-start' }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  json: css({ marginTop: theme.spacing(1), fontFamily: theme.typography.fontFamilyMonospace }),
});
