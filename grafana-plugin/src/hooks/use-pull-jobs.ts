import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError } from '../api/client.ts';
import { getPullJob, listPullJobs } from '../api/endpoints.ts';
import type { PullJob } from '../api/types.ts';

export const POLL_MS = 1500;
/** Finished jobs shown when a page opens, besides every queued or running one. */
const RECENT_FINISHED = 5;

export type WatchedJob = { job: PullJob; pollError: string | null };

export const isFinished = (job: PullJob) => job.state === 'done' || job.state === 'failed';

/**
 * The pull jobs of some connections, newest first, each re-read every POLL_MS until it is done or
 * has failed: those queued or running when the page opened (scheduled ones too), the last few
 * finished, and those started from the page. `settled` counts the jobs seen to finish here.
 */
export function usePullJobs(connectionIds: readonly number[]) {
  const [watched, setWatched] = useState<WatchedJob[]>([]);
  const [settled, setSettled] = useState(0);
  const latest = useRef(watched);
  latest.current = watched;
  const running = watched.some((w) => !isFinished(w.job));

  const add = useCallback((jobs: PullJob[]) => {
    setWatched((now) => {
      const known = new Set(now.map((w) => w.job.id));
      const fresh = jobs.filter((job) => !known.has(job.id)).map((job) => ({ job, pollError: null }));
      return [...fresh, ...now].sort((a, b) => b.job.id - a.job.id);
    });
  }, []);

  const ids = connectionIds.join(',');
  useEffect(() => {
    if (ids === '') return;
    let cancelled = false;
    const query = { connectionIds: ids.split(',').map(Number), offset: 0 };
    Promise.all([
      listPullJobs({ ...query, states: ['queued', 'running'], limit: 200 }),
      listPullJobs({ ...query, states: ['done', 'failed'], limit: RECENT_FINISHED }),
    ]).then(
      ([open, recent]) => !cancelled && add([...open.items, ...recent.items]),
      // An ingest without the list (older than the page) still shows the jobs started here.
      () => undefined
    );
    return () => {
      cancelled = true;
    };
  }, [ids, add]);

  useEffect(() => {
    if (!running) return;
    let cancelled = false;
    const update = (id: number, next: (w: WatchedJob) => WatchedJob) =>
      !cancelled && setWatched((ws) => ws.map((w) => (w.job.id === id ? next(w) : w)));
    const timer = setInterval(() => {
      for (const { job } of latest.current.filter((w) => !isFinished(w.job))) {
        getPullJob(job.id).then(
          (fresh) => {
            update(job.id, () => ({ job: fresh, pollError: null }));
            if (!cancelled && isFinished(fresh)) setSettled((n) => n + 1);
          },
          (err: unknown) => update(job.id, (w) => ({ ...w, pollError: toApiError(err).message }))
        );
      }
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [running]);

  return { watched, add, settled };
}
