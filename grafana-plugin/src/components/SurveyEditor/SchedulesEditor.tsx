import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, IconButton, Input, useStyles2 } from '@grafana/ui';
import { toApiError, type FieldProblem } from '../../api/client.ts';
import type { Intervention } from '../../api/study-config.ts';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { NativeSelect } from './NativeSelect.tsx';
import { problemsUnder, sentence } from './problems.ts';
import { DAYS, type Draft } from './survey-draft.ts';

type Times = Pick<Draft, 'weekly' | 'absolute' | 'relative'>;
type Props = Times & {
  timezone: string;
  interventions: Intervention[];
  problems: readonly FieldProblem[];
  onChange: (times: Partial<Times>) => void;
  onAddIntervention: (name: string) => Promise<void>;
};

const partNames: Record<string, string> = {
  day: 'Day',
  hour: 'Hour',
  minute: 'Minute',
  time: 'Time',
  date: 'Date',
  daysAfter: 'Days after',
  interventionId: 'Intervention',
};

/** "Hour must be 0–23." for `schedules.weekly.0.hour`: the row shows which of its parts is wrong. */
function rowProblem(problems: readonly FieldProblem[], prefix: string): string | undefined {
  const found = problemsUnder(problems, prefix).map((p) => {
    const part = p.field.slice(prefix.length + 1);
    // "must be 0–23" needs the part's name; the ingest's longer messages already say what they are about.
    const named = part && partNames[part] && /^(must|is) /.test(p.message);
    return sentence(named ? `${partNames[part]} ${p.message}` : p.message);
  });
  return found.length > 0 ? found.join(' ') : undefined;
}

/** When a survey is sent to phones: weekly, on dates, and days after a participant's intervention. */
export function SchedulesEditor({
  weekly,
  absolute,
  relative,
  timezone,
  interventions,
  problems,
  onChange,
  onAddIntervention,
}: Props) {
  const s = useStyles2(getStyles);
  const [newIntervention, setNewIntervention] = useState('');
  const [interventionError, setInterventionError] = useState<string | undefined>();
  const dayOptions = DAYS.map((label, value) => ({ value, label }));
  const interventionOptions = interventions.map((i) => ({ value: i.id, label: i.name }));

  const addIntervention = async () => {
    setInterventionError(undefined);
    try {
      await onAddIntervention(newIntervention.trim());
      setNewIntervention('');
    } catch (err) {
      const e = toApiError(err);
      setInterventionError(e.fieldError('name') ? sentence(e.fieldError('name')!) : e.message);
    }
  };

  const remove = <K extends keyof Times>(key: K, list: Times[K], i: number) =>
    onChange({ [key]: list.filter((_, j) => j !== i) } as Partial<Times>);
  const update = <K extends keyof Times>(key: K, list: Times[K], i: number, patch: Partial<Times[K][number]>) =>
    onChange({ [key]: list.map((x, j) => (j === i ? { ...x, ...patch } : x)) } as Partial<Times>);

  return (
    <div>
      <p className={s.hint}>Times are in the study’s time zone, {timezone}.</p>
      <h4>Every week</h4>
      {weekly.map((w, i) => (
        <ScheduleRow
          key={i}
          problem={rowProblem(problems, `schedules.weekly.${i}`)}
          removeLabel={`Remove weekly time ${i + 1}`}
          onRemove={() => remove('weekly', weekly, i)}
        >
          <NativeSelect
            id={`weekly-${i}-day`}
            aria-label={`Weekly time ${i + 1} day`}
            value={w.day}
            options={dayOptions}
            onChange={(day) => update('weekly', weekly, i, { day })}
          />
          <TimeInput
            label={`Weekly time ${i + 1} time`}
            value={w.time}
            onChange={(time) => update('weekly', weekly, i, { time })}
          />
        </ScheduleRow>
      ))}
      <AddButton onClick={() => onChange({ weekly: [...weekly, { day: 1, time: '09:00' }] })}>
        Add weekly time
      </AddButton>

      <h4 className={s.heading}>On dates</h4>
      {absolute.map((a, i) => (
        <ScheduleRow
          key={i}
          problem={rowProblem(problems, `schedules.absolute.${i}`)}
          removeLabel={`Remove date ${i + 1}`}
          onRemove={() => remove('absolute', absolute, i)}
        >
          <Input
            aria-label={`Date ${i + 1}`}
            placeholder="YYYY-MM-DD"
            width={16}
            value={a.date}
            onChange={(e) => update('absolute', absolute, i, { date: e.currentTarget.value })}
          />
          <TimeInput
            label={`Date ${i + 1} time`}
            value={a.time}
            onChange={(time) => update('absolute', absolute, i, { time })}
          />
        </ScheduleRow>
      ))}
      <AddButton onClick={() => onChange({ absolute: [...absolute, { date: '', time: '09:00' }] })}>Add date</AddButton>

      <h4 className={s.heading}>Relative to an intervention</h4>
      {relative.map((r, i) => (
        <ScheduleRow
          key={i}
          problem={rowProblem(problems, `schedules.relative.${i}`)}
          removeLabel={`Remove relative time ${i + 1}`}
          onRemove={() => remove('relative', relative, i)}
        >
          <Input
            aria-label={`Relative time ${i + 1} days after`}
            type="number"
            width={10}
            value={r.daysAfter}
            onChange={(e) => update('relative', relative, i, { daysAfter: e.currentTarget.value })}
          />
          <span>days after</span>
          <NativeSelect
            id={`relative-${i}-intervention`}
            aria-label={`Relative time ${i + 1} intervention`}
            value={r.interventionId ?? ''}
            placeholder="Choose an intervention"
            options={interventionOptions}
            onChange={(interventionId) => update('relative', relative, i, { interventionId })}
          />
          <span>at</span>
          <TimeInput
            label={`Relative time ${i + 1} time`}
            value={r.time}
            onChange={(time) => update('relative', relative, i, { time })}
          />
        </ScheduleRow>
      ))}
      <AddButton
        onClick={() =>
          onChange({
            relative: [...relative, { interventionId: interventions[0]?.id ?? null, daysAfter: '0', time: '09:00' }],
          })
        }
      >
        Add relative time
      </AddButton>
      <Field
        className={s.heading}
        label="New intervention"
        htmlFor="new-intervention"
        description="Relative times count days from each participant’s date for an intervention (e.g. surgery, discharge)"
        invalid={Boolean(interventionError)}
        error={interventionError}
      >
        <>
          <div className={s.row}>
            <Input
              id="new-intervention"
              width={30}
              value={newIntervention}
              onChange={(e) => setNewIntervention(e.currentTarget.value)}
            />
            <GuardedButton
              size="sm"
              variant="secondary"
              disabled={newIntervention.trim() === ''}
              onClick={() => void addIntervention()}
            >
              Add intervention
            </GuardedButton>
          </div>
        </>
      </Field>
    </div>
  );
}

/** One schedule line: its inputs, a remove button, and the ingest's objection to it. */
function ScheduleRow({
  problem,
  removeLabel,
  onRemove,
  children,
}: {
  problem: string | undefined;
  removeLabel: string;
  onRemove: () => void;
  children: React.ReactNode;
}) {
  const s = useStyles2(getStyles);
  return (
    <Field invalid={Boolean(problem)} error={problem}>
      <div className={s.row}>
        {children}
        <IconButton name="trash-alt" tooltip={removeLabel} onClick={onRemove} />
      </div>
    </Field>
  );
}

function TimeInput({ label, value, onChange }: { label: string; value: string; onChange: (time: string) => void }) {
  return (
    <Input
      aria-label={label}
      placeholder="HH:MM"
      width={10}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

function AddButton({ onClick, children }: { onClick: () => void; children: React.ReactNode }) {
  return (
    <Button size="sm" variant="secondary" icon="plus" onClick={onClick}>
      {children}
    </Button>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', flexWrap: 'wrap' }),
  heading: css({ marginTop: theme.spacing(2) }),
  hint: css({ color: theme.colors.text.secondary }),
});
