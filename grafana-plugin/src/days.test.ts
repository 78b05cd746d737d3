import { describe, expect, it } from 'vitest';
import { dayBefore, dayRange, rangeProblem } from './days.ts';

const now = new Date('2026-11-21T09:30:00.000Z');

describe('days', () => {
  it('counts days back in UTC', () => {
    expect(dayBefore(now, 0)).toBe('2026-11-21');
    expect(dayBefore(now, 7)).toBe('2026-11-14');
  });

  it('covers whole days through the last one, but not past now', () => {
    expect(dayRange('2026-11-01', '2026-11-03', now)).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-04T00:00:00.000Z',
    });
    expect(dayRange('2026-11-14', '2026-11-21', now).to).toBe('2026-11-21T09:30:00.000Z');
  });

  it('names the day that is wrong', () => {
    expect(rangeProblem('', '2026-11-03', now)?.field).toBe('from');
    expect(rangeProblem('2026-11-05', '2026-11-03', now)).toEqual({
      field: 'to',
      message: 'The last day must not be before the first.',
    });
    expect(rangeProblem('2026-11-22', '2026-11-23', now)?.field).toBe('from');
    expect(rangeProblem('2026-11-21', '2026-11-21', now)).toBeNull();
  });
});
