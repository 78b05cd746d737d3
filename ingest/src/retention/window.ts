const DAY_MS = 24 * 60 * 60 * 1000;

/** Until when a soft-deleted row can be restored; after that it is purged. */
export function restorableUntil(deletedAt: Date, retentionDays: number): Date {
  return new Date(deletedAt.getTime() + retentionDays * DAY_MS);
}

/** Rows deleted before this instant are past the window. */
export function purgeCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}
