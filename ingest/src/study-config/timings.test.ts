import { describe, expect, it } from 'vitest';
import type { Schedules } from './schedules.ts';
import { buildTimings } from './timings.ts';
import { localTime, zonedInstant } from './zoned-time.ts';

const at = (hour: number, minute = 0) => hour * 3600 + minute * 60;
const none: Schedules = { weekly: [], absolute: [], relative: [] };
const timings = (schedules: Partial<Schedules>, now: string, timeZone = 'UTC', dates: [number, string][] = []) =>
  buildTimings({
    schedules: { ...none, ...schedules },
    interventionDates: new Map(dates),
    now: new Date(now),
    timeZone,
  });

describe('wall-clock time in a zone (Python zoneinfo rules)', () => {
  it('reads ordinary, half-hour and DST times', () => {
    const iso = (date: string, h: number, m: number, tz: string) => {
      const [year, month, day] = date.split('-').map(Number) as [number, number, number];
      return new Date(zonedInstant({ year, month, day }, h, m, tz)).toISOString();
    };
    expect(iso('2026-07-01', 12, 0, 'America/New_York')).toBe('2026-07-01T16:00:00.000Z');
    expect(iso('2026-01-01', 0, 0, 'Asia/Kolkata')).toBe('2025-12-31T18:30:00.000Z');
    // The spring gap: 02:30 does not exist and is read with the offset from before (EST), i.e. 03:30 EDT.
    expect(iso('2026-03-08', 2, 30, 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    // Autumn: 01:30 happens twice; the first (EDT) is meant.
    expect(iso('2026-11-01', 1, 30, 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    expect(iso('2026-11-01', 3, 0, 'America/New_York')).toBe('2026-11-01T08:00:00.000Z');
  });

  it('gives the local day of week with Sunday as 0', () => {
    expect(localTime(Date.parse('2026-11-22T12:00:00Z'), 'UTC')).toMatchObject({ weekday: 0, day: 22 });
    expect(localTime(Date.parse('2026-11-22T03:00:00Z'), 'America/Los_Angeles')).toMatchObject({
      weekday: 6,
      day: 21,
      hour: 19,
    });
  });
});

describe('survey timings for a phone (spec §2.3)', () => {
  it('holds the weekly schedule, Sunday first, sorted and de-duplicated, with hour and minute only', () => {
    const result = timings(
      {
        weekly: [
          { day: 6, hour: 21, minute: 45 },
          { day: 0, hour: 9, minute: 0 },
          { day: 6, hour: 8, minute: 5 },
        ],
      },
      '2026-11-21T09:00:00Z'
    );
    expect(result).toEqual([[at(9)], [], [], [], [], [], [at(8, 5), at(21, 45)]]);
  });

  // Saturday 2026-11-21 in UTC: the window is [Tue 17th 00:00, Tue 24th 00:00).
  it('folds absolute events inside [today−4 days, today+3 days) into their weekday, edges included and excluded', () => {
    const result = timings(
      {
        absolute: [
          { date: '2026-11-16', hour: 23, minute: 59 }, // Monday before the window
          { date: '2026-11-17', hour: 0, minute: 0 }, // Tuesday, the first minute in it
          { date: '2026-11-22', hour: 10, minute: 0 }, // Sunday
          { date: '2026-11-23', hour: 23, minute: 59 }, // Monday, the last minute in it
          { date: '2026-11-24', hour: 0, minute: 0 }, // Tuesday, just past it
          { date: '2025-11-22', hour: 10, minute: 30 }, // a year earlier, same weekday
        ],
      },
      '2026-11-21T09:00:00Z'
    );
    expect(result).toEqual([[at(10)], [at(23, 59)], [0], [], [], [], []]);
  });

  it('moves the window with today in the study time zone', () => {
    // 05:00 UTC on Saturday is Friday 21:00 in Los Angeles: the window there ends before Monday the 23rd.
    const schedules = { absolute: [{ date: '2026-11-23', hour: 0, minute: 0 }] };
    expect(timings(schedules, '2026-11-21T05:00:00Z', 'UTC')[1]).toEqual([0]);
    expect(timings(schedules, '2026-11-21T05:00:00Z', 'America/Los_Angeles')[1]).toEqual([]);
    expect(timings(schedules, '2026-11-21T09:00:00Z', 'America/Los_Angeles')[1]).toEqual([0]);
  });

  it('adds relative events from this participant’s intervention dates, merging with the weekly times', () => {
    const result = timings(
      {
        weekly: [{ day: 5, hour: 8, minute: 15 }],
        relative: [
          { interventionId: 1, daysAfter: 2, hour: 8, minute: 15 }, // Friday 20th: same as the weekly time
          { interventionId: 1, daysAfter: -1, hour: 18, minute: 0 }, // Tuesday 17th
          { interventionId: 1, daysAfter: 10, hour: 9, minute: 0 }, // far outside the window
          { interventionId: 2, daysAfter: 0, hour: 9, minute: 0 }, // no date for this participant
        ],
      },
      '2026-11-21T09:00:00Z',
      'UTC',
      [[1, '2026-11-18']]
    );
    expect(result).toEqual([[], [], [at(18)], [], [], [at(8, 15)], []]);
  });

  it('keeps wall-clock times across a DST change, and a time in the spring gap lands an hour later', () => {
    // Monday 9 March 2026, New York; DST began Sunday the 8th at 02:00.
    const spring = timings(
      {
        absolute: [
          { date: '2026-03-07', hour: 9, minute: 0 }, // Saturday, EST
          { date: '2026-03-08', hour: 2, minute: 30 }, // Sunday, in the gap
          { date: '2026-03-10', hour: 9, minute: 0 }, // Tuesday, EDT
        ],
      },
      '2026-03-09T15:00:00Z',
      'America/New_York'
    );
    expect(spring).toEqual([[at(3, 30)], [], [at(9)], [], [], [], [at(9)]]);

    // Tuesday 3 November 2026; DST ended Sunday the 1st at 02:00 (01:30 happened twice).
    const autumn = timings(
      {
        absolute: [
          { date: '2026-11-01', hour: 1, minute: 30 },
          { date: '2026-10-31', hour: 0, minute: 0 }, // Saturday: today − 3 days
          { date: '2026-10-30', hour: 0, minute: 0 }, // Friday: the window's first minute
          { date: '2026-10-29', hour: 23, minute: 59 }, // Thursday: just before it
        ],
      },
      '2026-11-03T15:00:00Z',
      'America/New_York'
    );
    expect(autumn).toEqual([[at(1, 30)], [], [], [], [], [0], [0]]);
  });
});
