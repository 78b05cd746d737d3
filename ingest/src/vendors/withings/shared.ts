import type { Batch, Entry } from '../../wearables/rows.ts';
import type { PullEnv, Window } from '../../wearables/source.ts';

/** What a Withings measurement module gets from the pull: budgeted calls and paged reads. */
export type WithingsApi = {
  readonly env: PullEnv;
  call(path: string, params: Record<string, string>): Promise<unknown>;
  /** Every page of a `more`/`offset` service. */
  paged(path: string, params: Record<string, string>): Promise<unknown[]>;
};

export const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));

/** `lastupdate` and a date range are exclusive: the spec says to send one form or the other (§4.4.1). */
export const changedOr = (w: Window, range: Record<string, string>) =>
  w.changedSince ? { lastupdate: seconds(w.changedSince) } : range;
export const fromEpoch = (s: number) => new Date(s * 1000);

/** Real value = value × 10^unit (§4.4), rounded away from binary noise. */
export const real = (m: { value: number; unit: number }) => Number((m.value * 10 ** m.unit).toPrecision(12));

/**
 * `attrib` (measuregrp_object, workout_object): 0 and 8 a device known to be this user's, 5 the
 * cuff's best of several, 7 a detected activity the user confirmed and 15 guided conditions are
 * device readings; 1 a device reading that may be another user's; 2 and 4 typed in by the user.
 * A code the document does not list is taken as ambiguous, never as the patient's own reading.
 */
export function entryOf(attrib: number | null | undefined): Entry | undefined {
  if (attrib === null || attrib === undefined) return undefined;
  if ([0, 5, 7, 8, 15].includes(attrib)) return 'device';
  if (attrib === 2 || attrib === 4) return 'manual';
  return 'ambiguous';
}

/** Appends every row of `more` to `into`. */
export function appendBatch(into: Batch, more: Batch): Batch {
  for (const key of Object.keys(into) as (keyof Batch)[]) (into[key] as unknown[]).push(...more[key]);
  return into;
}
