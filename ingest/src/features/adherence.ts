/**
 * Survey adherence of a day, after Forest's sycamore (`submits_summary`). The push records of
 * issue #17 are not read here yet, so nothing is counted as delivered, and the time to submit runs
 * from the survey's first display (its first timing row) rather than from delivery.
 */
export type TimingRow = { t: number; surveyId: string; event: string | null };

/** Android writes a bare "User hit submit" row; iOS marks the row with the event `submitted`. */
export const SUBMIT_EVENTS: ReadonlySet<string> = new Set(['User hit submit', 'submitted']);

export const ADHERENCE_FEATURES = ['num_opened_surveys', 'num_submitted_surveys', 'avg_time_to_submit'] as const;
export type AdherenceFeature = (typeof ADHERENCE_FEATURES)[number];

/**
 * `rows` sorted by time. A survey session runs from the first row after the survey's previous
 * submission to its next submission; sessions that never submit are opened, not submitted.
 * Time to submit in seconds.
 */
export function dayAdherence(rows: readonly TimingRow[]): Record<AdherenceFeature, number | null> {
  const openedAt = new Map<string, number>();
  let opened = 0;
  const submitTimes: number[] = [];
  for (const r of rows) {
    if (!openedAt.has(r.surveyId)) {
      openedAt.set(r.surveyId, r.t);
      opened++;
    }
    if (r.event !== null && SUBMIT_EVENTS.has(r.event)) {
      submitTimes.push((r.t - openedAt.get(r.surveyId)!) / 1000);
      openedAt.delete(r.surveyId);
    }
  }
  return {
    num_opened_surveys: opened,
    num_submitted_surveys: submitTimes.length,
    avg_time_to_submit: submitTimes.length ? submitTimes.reduce((a, b) => a + b, 0) / submitTimes.length : null,
  };
}
