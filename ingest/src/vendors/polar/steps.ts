/**
 * Polar's minute steps leave out "consecutive repeated (same steps count) samples … to reduce the
 * payload size" (activity-steps2; wearable-apis.md §5.2.3). A gap longer than `interval_ms` after a
 * sample therefore means that sample's count repeated in every missing slot, and the series is
 * rebuilt by filling each gap with the count before it.
 *
 * The docs say nothing of the slots after the day's last sample. They are filled only as far as
 * the day's `total_steps` shows they held steps: the last count repeated exactly `deficit / count`
 * times, where that is a whole number that fits before the day's end. Any other difference is left
 * alone rather than invented, so a day's rows never exceed what Polar reports.
 */

export type StepSample = { readonly steps: number; readonly timestamp: string };
/** One filled slot: its local wall-clock start (`YYYY-MM-DDTHH:mm[:ss]`, zone-less) and count. */
export type StepSlot = { readonly local: string; readonly steps: number };

const wallMs = (local: string) => Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
const wallText = (ms: number) => new Date(ms).toISOString().slice(0, 19);

export function expandStepSamples(
  samples: readonly StepSample[],
  intervalMs: number,
  day: { readonly date: string; readonly totalSteps?: number | undefined }
): StepSlot[] {
  if (samples.length === 0 || !(intervalMs > 0)) return [];
  const ordered = [...samples].sort((a, b) => wallMs(a.timestamp) - wallMs(b.timestamp));
  const slots: StepSlot[] = [];
  for (const [i, s] of ordered.entries()) {
    const start = wallMs(s.timestamp);
    const next = i + 1 < ordered.length ? wallMs(ordered[i + 1]!.timestamp) : start + intervalMs;
    for (let t = start; t < next; t += intervalMs) slots.push({ local: wallText(t), steps: s.steps });
  }
  const last = ordered.at(-1)!;
  const dayEnd = wallMs(`${day.date}T00:00:00`) + 86_400_000;
  const room = Math.floor((dayEnd - wallMs(last.timestamp)) / intervalMs) - 1;
  const deficit = (day.totalSteps ?? 0) - slots.reduce((sum, s) => sum + s.steps, 0);
  if (last.steps > 0 && deficit > 0 && deficit % last.steps === 0 && deficit / last.steps <= room) {
    const from = wallMs(last.timestamp) + intervalMs;
    for (let k = 0; k < deficit / last.steps; k++) {
      slots.push({ local: wallText(from + k * intervalMs), steps: last.steps });
    }
  }
  return slots;
}
