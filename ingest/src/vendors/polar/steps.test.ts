import { describe, expect, it } from 'vitest';
import { expandStepSamples } from './steps.ts';

const MIN = 60_000;

describe('Polar step samples, filtered of consecutive repeats', () => {
  it('fills every gap with the count before it, exactly as a hand-written series', () => {
    const samples = [
      { steps: 12, timestamp: '2026-11-20T00:02' },
      { steps: 0, timestamp: '2026-11-20T00:05' },
      { steps: 30, timestamp: '2026-11-20T00:07' },
      { steps: 31, timestamp: '2026-11-20T00:08' },
    ];
    // 12 repeated at 00:03 and 00:04; 0 at 00:06; total 12×3 + 30 + 31 = 97 (no tail).
    expect(expandStepSamples(samples, MIN, { date: '2026-11-20', totalSteps: 97 })).toEqual([
      { local: '2026-11-20T00:02:00', steps: 12 },
      { local: '2026-11-20T00:03:00', steps: 12 },
      { local: '2026-11-20T00:04:00', steps: 12 },
      { local: '2026-11-20T00:05:00', steps: 0 },
      { local: '2026-11-20T00:06:00', steps: 0 },
      { local: '2026-11-20T00:07:00', steps: 30 },
      { local: '2026-11-20T00:08:00', steps: 31 },
    ]);
  });

  it('repeats the last count after the last sample only as far as total_steps shows', () => {
    const samples = [
      { steps: 5, timestamp: '2026-11-20T23:55' },
      { steps: 40, timestamp: '2026-11-20T23:56' },
    ];
    // 5 + 40 + 40×3 = 165: the three slots 23:57–23:59 repeated 40.
    const filled = expandStepSamples(samples, MIN, { date: '2026-11-20', totalSteps: 165 });
    expect(filled.map((s) => s.local.slice(11, 16))).toEqual(['23:55', '23:56', '23:57', '23:58', '23:59']);
    expect(filled.reduce((sum, s) => sum + s.steps, 0)).toBe(165);
    // A total that no whole number of repeats explains, or one that would run past midnight, adds nothing.
    expect(expandStepSamples(samples, MIN, { date: '2026-11-20', totalSteps: 166 })).toHaveLength(2);
    expect(expandStepSamples(samples, MIN, { date: '2026-11-20', totalSteps: 205 })).toHaveLength(2);
    expect(expandStepSamples(samples, MIN, { date: '2026-11-20' })).toHaveLength(2);
  });

  it('orders samples given out of order and ignores an empty day', () => {
    const filled = expandStepSamples(
      [
        { steps: 2, timestamp: '2026-11-20T10:03' },
        { steps: 1, timestamp: '2026-11-20T10:01' },
      ],
      MIN,
      { date: '2026-11-20' }
    );
    expect(filled).toEqual([
      { local: '2026-11-20T10:01:00', steps: 1 },
      { local: '2026-11-20T10:02:00', steps: 1 },
      { local: '2026-11-20T10:03:00', steps: 2 },
    ]);
    expect(expandStepSamples([], MIN, { date: '2026-11-20', totalSteps: 10 })).toEqual([]);
  });
});
