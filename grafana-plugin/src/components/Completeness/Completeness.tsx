import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Tooltip, useStyles2 } from '@grafana/ui';
import { getDataQuantity } from '../../api/endpoints.ts';
import type { DataQuantity } from '../../api/types.ts';
import { dayBefore } from '../../days.ts';
import { useRequest } from '../../hooks/use-request.ts';

export const COMPLETENESS_DAYS = 7;

type Summary = { pct: number; streams: { stream: string; pct: number }[] } | null;

/** Rows received over rows expected, overall and per stream, for the streams the study expects rows of. */
export function summarise(q: DataQuantity): Summary {
  const by = new Map<string, { rows: number; expected: number }>();
  for (const d of q.days) {
    if (!d.expectedRows) continue;
    const s = by.get(d.stream) ?? { rows: 0, expected: 0 };
    // A day can hold more than its duty cycles predict; it still counts as complete, not as extra.
    s.rows += Math.min(d.rows, d.expectedRows);
    s.expected += d.expectedRows;
    by.set(d.stream, s);
  }
  if (by.size === 0) return null;
  const streams = [...by].map(([stream, s]) => ({ stream, pct: Math.round((s.rows * 100) / s.expected) }));
  const total = [...by.values()].reduce((a, s) => ({ rows: a.rows + s.rows, expected: a.expected + s.expected }));
  return { pct: Math.round((total.rows * 100) / total.expected), streams };
}

/**
 * A participant's phone data completeness over the last complete days, at a glance: green from
 * 80 %, orange from 50 %, red below; the streams are in the tooltip.
 */
export function Completeness({ participantId }: { participantId: number }) {
  const s = useStyles2(getStyles);
  const range = useMemo(() => {
    const now = new Date();
    return { from: dayBefore(now, COMPLETENESS_DAYS), to: dayBefore(now, 1) };
  }, []);
  const { state } = useRequest(() => getDataQuantity(participantId, range), [participantId, range]);
  const summary = useMemo(() => (state.value ? summarise(state.value) : undefined), [state.value]);

  if (state.status === 'error') {
    return (
      <span className={s.muted} title={`Could not load the data quantity: ${state.error.message}`}>
        —
      </span>
    );
  }
  if (summary === undefined) return <span className={s.muted}>…</span>;
  if (summary === null) {
    return (
      <span className={s.muted} title="Nothing expected: the study's device settings expect no rows, or none arrived">
        —
      </span>
    );
  }
  const tone = summary.pct >= 80 ? s.good : summary.pct >= 50 ? s.fair : s.poor;
  return (
    <Tooltip
      content={
        <div>
          {summary.streams.map((st) => (
            <div key={st.stream}>
              {st.stream}: {st.pct}%
            </div>
          ))}
        </div>
      }
    >
      <span className={tone} tabIndex={0} aria-label={`Data completeness ${summary.pct}%`}>
        {summary.pct}%
      </span>
    </Tooltip>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  good: css({ color: theme.colors.success.text }),
  fair: css({ color: theme.colors.warning.text }),
  poor: css({ color: theme.colors.error.text }),
  muted: css({ color: theme.colors.text.secondary }),
});
