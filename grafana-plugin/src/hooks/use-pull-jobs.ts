import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError } from '../api/client.ts';
import { getPullJob } from '../api/endpoints.ts';
import type { PullJob } from '../api/types.ts';

export const POLL_MS = 1500;

export type WatchedJob = { job: PullJob; pollError: string | null };

export const isFinished = (job: PullJob) => job.state === 'done' || job.state === 'failed';

/**
 * The pull jobs started from a page, newest first, each re-read every POLL_MS until it is done or
 * has failed. The ingest has no list of a connection's jobs, so a page watches the ones it started.
 */
export function usePullJobs() {
  const [watched, setWatched] = useState<WatchedJob[]>([]);
  const latest = useRef(watched);
  latest.current = watched;
  const running = watched.some((w) => !isFinished(w.job));

  const add = useCallback((jobs: PullJob[]) => {
    setWatched((now) => [...jobs.map((job) => ({ job, pollError: null })), ...now]);
  }, []);

  useEffect(() => {
    if (!running) return;
    let cancelled = false;
    const update = (id: number, next: (w: WatchedJob) => WatchedJob) =>
      !cancelled && setWatched((ws) => ws.map((w) => (w.job.id === id ? next(w) : w)));
    const timer = setInterval(() => {
      for (const { job } of latest.current.filter((w) => !isFinished(w.job))) {
        getPullJob(job.id).then(
          (fresh) => update(job.id, () => ({ job: fresh, pollError: null })),
          (err: unknown) => update(job.id, (w) => ({ ...w, pollError: toApiError(err).message }))
        );
      }
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [running]);

  return { watched, add };
}
