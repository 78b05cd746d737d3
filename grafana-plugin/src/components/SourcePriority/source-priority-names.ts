import type { PriorityEntry } from '../../api/study-config.ts';

/**
 * Words for the source priority (the ingest's `source-priority/schemas.ts`), shared by its page
 * and the study file's import preview.
 */

const SOURCES: Record<string, string> = { fitbit: 'Fitbit', withings: 'Withings', polar: 'Polar', phone: 'Phone' };
/** Names for the measurements the ingest ranks; one it adds later shows under its own name. */
const LABELS: Record<string, string> = {
  steps: 'Steps',
  heart_rate: 'Heart rate',
  daily_activity: 'Daily activity totals',
  resting_heart_rate: 'Resting heart rate',
  daily_breathing_rate: 'Nightly breathing rate',
  daily_hrv: 'Nightly HRV',
  daily_skin_temperature: 'Nightly skin temperature',
  sleep: 'Sleep sessions',
  workouts: 'Workouts',
};
export const sourceName = (s: string) => SOURCES[s] ?? s;
export const priorityLabel = (m: string) => LABELS[m] ?? m;

/** A list as a line: `Polar, Fitbit "Charge 6"`; no list is the default order. */
export function describePriority(entries: readonly PriorityEntry[]): string {
  if (entries.length === 0) return 'default order';
  return entries
    .map((e) => (e.device === undefined ? sourceName(e.source) : `${sourceName(e.source)} "${e.device}"`))
    .join(', ');
}
