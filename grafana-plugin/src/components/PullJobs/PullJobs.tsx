import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2, type BadgeColor } from '@grafana/ui';
import type { Connection, PullJob, PullJobState } from '../../api/types.ts';
import { formatTime } from '../../format.ts';
import type { WatchedJob } from '../../hooks/use-pull-jobs.ts';
import { ProgressBar } from '../ProgressBar/ProgressBar.tsx';
import { testIds } from '../testIds.ts';

const stateLook: Record<PullJobState, { color: BadgeColor; text: string }> = {
  queued: { color: 'blue', text: 'Queued' },
  running: { color: 'orange', text: 'Running' },
  done: { color: 'green', text: 'Done' },
  failed: { color: 'red', text: 'Failed' },
};

const kindText: Record<PullJob['kind'], string> = {
  update_now: 'Update now',
  update_range: 'Update range',
  backfill: 'Backfill',
  daily: 'Daily pull',
  incremental: 'Incremental pull',
  notification: 'Vendor notification',
};

/** The connections' running and recent pulls, scheduled or started here, with live progress. */
export function PullJobs({ watched, connections }: { watched: WatchedJob[]; connections: Connection[] }) {
  const s = useStyles2(getStyles);
  if (watched.length === 0) return null;
  return (
    <section data-testid={testIds.sync.jobs}>
      <h4>Updates</h4>
      <ul className={s.list}>
        {watched.map(({ job, pollError }) => {
          const connection = connections.find((c) => c.id === job.connectionId);
          const name = connection
            ? `${connection.providerName}${connection.participantLabel ? ` of ${connection.participantLabel}` : ''}`
            : `Connection ${job.connectionId}`;
          const title = `${kindText[job.kind]}: ${name}`;
          return (
            <li key={job.id} className={s.job} aria-label={`Job ${job.id}`}>
              <div className={s.head}>
                <Badge color={stateLook[job.state].color} text={stateLook[job.state].text} />
                <strong>{title}</strong>
                <span className={s.muted}>
                  {formatTime(job.from)} – {formatTime(job.to)}
                </span>
              </div>
              <ProgressBar
                label={`Progress of job ${job.id}`}
                pct={job.state === 'queued' ? 0 : job.progressPct}
                tone={job.state === 'failed' ? 'error' : job.state === 'done' ? 'success' : 'primary'}
              />
              <div className={s.muted}>{describe(job)}</div>
              {job.errors.length > 0 && (
                <ul className={s.errors}>
                  {job.errors.map((e, i) => (
                    <li key={i}>{e}</li>
                  ))}
                </ul>
              )}
              {pollError && <div className={s.error}>Could not read its progress: {pollError}</div>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function describe(job: PullJob): string {
  const rows = `${job.rowsWritten} row${job.rowsWritten === 1 ? '' : 's'} written`;
  switch (job.state) {
    case 'queued':
      return 'Waiting: the ingest starts pulls at its next scheduler run, within a minute.';
    case 'running':
      return `${job.progressPct}%${job.currentDay ? `, at ${job.currentDay}` : ''}; ${rows} so far.`;
    case 'done':
      return `Finished ${formatTime(job.finishedAt)}: ${rows}.`;
    case 'failed':
      return `Stopped ${formatTime(job.finishedAt)} after ${rows}.`;
  }
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ listStyle: 'none', padding: 0, display: 'grid', gap: theme.spacing(2) }),
  job: css({
    display: 'grid',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1.5),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  head: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
  muted: css({ color: theme.colors.text.secondary }),
  error: css({ color: theme.colors.error.text }),
  errors: css({ color: theme.colors.error.text, margin: 0, paddingLeft: theme.spacing(2) }),
});
