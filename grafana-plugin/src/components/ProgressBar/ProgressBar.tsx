import React from 'react';
import { css, keyframes } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

type Props = {
  label: string;
  /** 0–100; undefined while the total is unknown (the bar then moves without a value). */
  pct: number | undefined;
  tone?: 'primary' | 'success' | 'error';
};

/** A progress bar screen readers announce (`role="progressbar"` with its value). */
export function ProgressBar({ label, pct, tone = 'primary' }: Props) {
  const s = useStyles2(getStyles);
  const value = pct === undefined ? undefined : Math.max(0, Math.min(100, Math.round(pct)));
  return (
    <div
      className={s.track}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
      data-tone={tone}
    >
      <div
        className={value === undefined ? s.indeterminate : s[tone]}
        style={value === undefined ? undefined : { width: `${value}%` }}
      />
    </div>
  );
}

const slide = keyframes({ from: { left: '-30%' }, to: { left: '100%' } });

const getStyles = (theme: GrafanaTheme2) => {
  const bar = { height: '100%', borderRadius: theme.shape.radius.default, transition: 'width 0.5s ease' };
  return {
    track: css({
      position: 'relative',
      overflow: 'hidden',
      height: theme.spacing(1),
      minWidth: 160,
      background: theme.colors.background.canvas,
      border: `1px solid ${theme.colors.border.weak}`,
      borderRadius: theme.shape.radius.default,
    }),
    primary: css({ ...bar, background: theme.colors.primary.main }),
    success: css({ ...bar, background: theme.colors.success.main }),
    error: css({ ...bar, background: theme.colors.error.main }),
    indeterminate: css({
      ...bar,
      position: 'absolute',
      width: '30%',
      background: theme.colors.primary.main,
      animation: `${slide} 1.4s linear infinite`,
    }),
  };
};
