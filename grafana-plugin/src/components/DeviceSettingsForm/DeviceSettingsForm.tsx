import React, { memo, useCallback, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Checkbox, Field, Input, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError, type FieldProblem } from '../../api/client.ts';
import type { DeviceSettings, DeviceSettingsVersion } from '../../api/study-config.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import { problemAt } from '../SurveyEditor/problems.ts';
import { textOf } from '../SurveyEditor/survey-draft.ts';
import { testIds } from '../testIds.ts';
import {
  CONSENT_SECTIONS,
  defaultSettings,
  describeLimits,
  SETTING_GROUPS,
  type SettingField,
} from './device-settings-fields.ts';

type Sections = Record<string, { text: string; more: string }>;
/** As typed: numbers stay text until saved, so the ingest can say what is wrong with "12.5". */
type Draft = Record<string, unknown>;

type Props = {
  current: DeviceSettingsVersion;
  onSave: (patch: Partial<DeviceSettings>) => Promise<void>;
};

const toDraft = (settings: Record<string, unknown>): Draft =>
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));

/** A whole number as typed becomes a JSON number; anything else goes as typed for the ingest to refuse. */
const fromDraft = (value: unknown): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

/**
 * Every Beiwe device setting of a study, grouped, with Beiwe's default and minimum under each. Only
 * the settings changed are sent; the ingest's objections appear at their setting.
 */
export function DeviceSettingsForm({ current, onSave }: Props) {
  const s = useStyles2(getStyles);
  const { canChange, reason } = usePermissions();
  const [draft, setDraft] = useState<Draft>(() => toDraft(current.settings));
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  const patch = useMemo(() => {
    const changed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(draft)) {
      const next = fromDraft(value);
      if (JSON.stringify(next) !== JSON.stringify(current.settings[key])) changed[key] = next;
    }
    return changed;
  }, [draft, current.settings]);
  const changes = Object.keys(patch).length;

  // Stable, so each setting re-renders only when its own value or problem changes.
  const set = useCallback((key: string, value: unknown) => setDraft((d) => ({ ...d, [key]: value })), []);
  const sections = (draft.consent_sections ?? {}) as Sections;
  const setSection = (key: string, part: 'text' | 'more', value: string) =>
    set('consent_sections', { ...sections, [key]: { ...(sections[key] ?? { text: '', more: '' }), [part]: value } });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      await onSave(patch as Partial<DeviceSettings>);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setSaving(false);
    }
  };

  const problems: readonly FieldProblem[] = error?.fields ?? [];
  const shownKeys = new Set([
    ...SETTING_GROUPS.flatMap((g) => g.fields.map((f) => f.key)),
    ...CONSENT_SECTIONS.flatMap((c) => [`consent_sections.${c.key}.text`, `consent_sections.${c.key}.more`]),
  ]);
  const unplaced = problems.filter((p) => !shownKeys.has(p.field));

  const control = (field: SettingField) => (
    <SettingControl
      key={field.key}
      field={field}
      value={draft[field.key]}
      problem={problemAt(problems, field.key)}
      onSet={set}
      flagClass={s.flag}
    />
  );

  return (
    <form onSubmit={(e) => void submit(e)} data-testid={testIds.deviceSettings.form}>
      {!canChange && (
        <Alert title="Read only" severity="info">
          {reason}
        </Alert>
      )}
      {error && (
        <Alert title="The device settings were not saved" severity="error">
          {problems.length === 0
            ? error.message
            : `${problems.length === 1 ? 'One setting needs' : `${problems.length} settings need`} changing, as shown at ${problems.length === 1 ? 'it' : 'each'}.`}
          {unplaced.map((p) => (
            <div key={p.field}>{`${p.field}: ${p.message}`}</div>
          ))}
        </Alert>
      )}
      {/* A disabled fieldset makes every control in it read-only for Viewers at once. */}
      <fieldset disabled={!canChange} className={s.fieldset}>
        {SETTING_GROUPS.map((group) => (
          <section
            key={group.id}
            className={group.id === 'sensors' ? s.group : s.narrowGroup}
            aria-labelledby={`group-${group.id}`}
          >
            <h3 id={`group-${group.id}`}>{group.title}</h3>
            <p className={s.description}>{group.description}</p>
            {group.id === 'sensors'
              ? bySensor(group.fields).map((row) => (
                  <div key={row[0]!.key} className={s.row}>
                    {row.map(control)}
                  </div>
                ))
              : group.fields.map(control)}
            {group.id === 'consent' &&
              CONSENT_SECTIONS.map((c) => (
                <div key={c.key} className={s.section}>
                  <h4>{c.label}</h4>
                  {(['text', 'more'] as const).map((part) => {
                    const problem = problemAt(problems, `consent_sections.${c.key}.${part}`);
                    return (
                      <Field
                        key={part}
                        label={part === 'text' ? `${c.label}: summary` : `${c.label}: learn more`}
                        invalid={Boolean(problem)}
                        error={problem}
                      >
                        <TextArea
                          id={`consent-${c.key}-${part}`}
                          rows={2}
                          value={sections[c.key]?.[part] ?? ''}
                          onChange={(e) => setSection(c.key, part, e.currentTarget.value)}
                        />
                      </Field>
                    );
                  })}
                </div>
              ))}
          </section>
        ))}
      </fieldset>
      <div className={s.footer}>
        <Stack gap={2} alignItems="center">
          <GuardedButton type="submit" icon="save" disabled={saving || changes === 0}>
            {saving ? 'Saving…' : 'Save device settings'}
          </GuardedButton>
          <Button
            variant="secondary"
            fill="outline"
            type="button"
            disabled={!canChange}
            onClick={() => setDraft(toDraft(defaultSettings()))}
          >
            Reset to Beiwe defaults
          </Button>
          <span>{changes === 0 ? 'No unsaved changes' : `${changes} unsaved change${changes === 1 ? '' : 's'}`}</span>
        </Stack>
      </div>
    </form>
  );
}

type ControlProps = {
  field: SettingField;
  value: unknown;
  problem: string | undefined;
  onSet: (key: string, value: unknown) => void;
  flagClass: string;
};

/** One setting with its default and limit; memoised, as the form holds about sixty of them. */
const SettingControl = memo(function SettingControl({ field, value, problem, onSet, flagClass }: ControlProps) {
  const id = `setting-${field.key}`;
  const help = [describeLimits(field), field.help].filter(Boolean).join(' · ');
  if (field.kind === 'flag') {
    return (
      <Field invalid={Boolean(problem)} error={problem} className={flagClass}>
        <Checkbox
          id={id}
          label={field.label}
          description={help}
          value={value === true}
          onChange={(e) => onSet(field.key, e.currentTarget.checked)}
        />
      </Field>
    );
  }
  if (field.kind === 'integer') {
    return (
      <Field label={`${field.label} (${field.unit})`} description={help} invalid={Boolean(problem)} error={problem}>
        <Input
          id={id}
          type="number"
          width={20}
          value={textOf(value)}
          onChange={(e) => onSet(field.key, e.currentTarget.value)}
        />
      </Field>
    );
  }
  const Control = field.kind === 'longtext' ? TextArea : Input;
  return (
    <Field label={field.label} description={help} invalid={Boolean(problem)} error={problem}>
      <Control
        id={id}
        value={textOf(value)}
        rows={field.kind === 'longtext' ? 4 : undefined}
        onChange={(e: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>) =>
          onSet(field.key, e.currentTarget.value)
        }
      />
    </Field>
  );
});

/** Each stream's switch with its duty cycle and rate beside it. */
function bySensor(fields: SettingField[]): SettingField[][] {
  const rows: SettingField[][] = [];
  for (const field of fields) {
    if (field.kind === 'flag' || rows.length === 0) rows.push([field]);
    else rows.at(-1)!.push(field);
  }
  return rows;
}

const getStyles = (theme: GrafanaTheme2) => ({
  fieldset: css({ border: 'none', padding: 0, margin: 0, minWidth: 0 }),
  group: css({ marginBottom: theme.spacing(3) }),
  narrowGroup: css({ marginBottom: theme.spacing(3), maxWidth: 900 }),
  description: css({ color: theme.colors.text.secondary }),
  row: css({
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(3),
    alignItems: 'flex-end',
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    '& > :first-child': { width: 280 },
  }),
  flag: css({ marginTop: theme.spacing(2) }),
  section: css({ marginLeft: theme.spacing(2) }),
  footer: css({ padding: theme.spacing(2, 0), borderTop: `1px solid ${theme.colors.border.weak}` }),
});
