import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

type Props<T extends string | number> = {
  id: string;
  value: T | '';
  options: ReadonlyArray<{ value: T; label: string }>;
  onChange: (value: T) => void;
  placeholder?: string;
  'aria-label'?: string;
};

/** A plain <select> in Grafana's input style: what the editor's many small choices need, and easy to drive. */
export function NativeSelect<T extends string | number>({
  id,
  value,
  options,
  onChange,
  placeholder,
  ...rest
}: Props<T>) {
  const s = useStyles2(getStyles);
  return (
    <select
      id={id}
      className={s.select}
      value={String(value)}
      aria-label={rest['aria-label']}
      onChange={(e) => {
        const chosen = options.find((o) => String(o.value) === e.currentTarget.value);
        if (chosen) onChange(chosen.value);
      }}
    >
      {placeholder !== undefined && (
        <option value="" disabled>
          {placeholder}
        </option>
      )}
      {options.map((o) => (
        <option key={String(o.value)} value={String(o.value)}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  select: css({
    height: theme.spacing(theme.components.height.md),
    padding: theme.spacing(0, 1),
    background: theme.components.input.background,
    color: theme.components.input.text,
    border: `1px solid ${theme.components.input.borderColor}`,
    borderRadius: theme.shape.radius.default,
    fontSize: theme.typography.body.fontSize,
    '&:disabled': { background: theme.colors.action.disabledBackground, color: theme.colors.text.disabled },
  }),
});
