import { polarError, polarRequest } from './api.ts';
import { type Budgets, DEFAULT_QUOTAS, type Quota } from '../../wearables/budget.ts';
import type { DeviceRow } from '../../wearables/rows.ts';
import type { PullEnv } from '../../wearables/source.ts';

/**
 * One AccessLink GET inside the app's two windows (wearable-apis.md §5.4), whose `RateLimit-*`
 * headers update the budgets as they arrive. No content (204) and not found (404) are no data.
 */

const SHORT = 'polar:app:short';
const LONG = 'polar:app:long';

/** The app's two windows, which every AccessLink call counts in (user-token and client calls alike). */
export const POLAR_QUOTAS: readonly (readonly [string, Quota])[] = [
  [SHORT, DEFAULT_QUOTAS.polarShort],
  [LONG, DEFAULT_QUOTAS.polarLong],
];

export async function polarGet(env: PullEnv, path: string, token: string, during: string): Promise<unknown> {
  return env.budgets.limited(POLAR_QUOTAS, async () => {
    const res = await polarRequest(env.fetchFn, `${env.config.polar.apiUrl}${path}`, token);
    const seen = reportRateLimits(env.budgets, res.headers);
    if (seen) env.observe(seen);
    if (res.status === 204 || res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw await polarError(res, during);
    return (await res.json()) as unknown;
  });
}

/** Updates the budgets from an answer's `RateLimit-*` headers; what they said, or null without them. */
export function reportRateLimits(budgets: Budgets, headers: Headers): Record<string, unknown> | null {
  const pair = (name: string) => headers.get(name)?.split(',').map(Number);
  const usage = pair('ratelimit-usage');
  const limit = pair('ratelimit-limit');
  const reset = pair('ratelimit-reset');
  if (!usage || !limit) return null;
  const [shortLimit, longLimit] = limit;
  if (shortLimit) budgets.setQuota(SHORT, { limit: shortLimit, windowMs: DEFAULT_QUOTAS.polarShort.windowMs });
  if (longLimit) budgets.setQuota(LONG, { limit: longLimit, windowMs: DEFAULT_QUOTAS.polarLong.windowMs });
  const [shortUsed, longUsed] = usage;
  const [shortReset, longReset] = reset ?? [];
  if (shortUsed !== undefined && shortReset !== undefined) budgets.report(SHORT, shortUsed, shortReset * 1000);
  if (longUsed !== undefined && longReset !== undefined) budgets.report(LONG, longUsed, longReset * 1000);
  return { usage, limit, resetSeconds: reset ?? null };
}

/** A device known only from its data: Polar has no device endpoint, so its latest data time stands in for its last sync. */
export const dataDevice = (id: string, model: string | null, seen: Date): DeviceRow => ({
  device_id: id,
  model,
  device_type: null,
  battery_pct: null,
  battery_status: null,
  last_sync_at: seen,
});

/** Polar's UTC times are written without a zone (`2022-11-20T20:52:20`, SleepWise and Elixir). */
export const polarUtc = (s: string) => new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`);

/** `from=…&to=…` of the UTC dates a window touches, for the range calls (at most 28 dates). */
export function dateRange(dates: readonly string[]): string {
  return `from=${dates[0]}&to=${dates.at(-1)}`;
}
