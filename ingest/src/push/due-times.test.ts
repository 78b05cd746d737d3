import { describe, expect, it } from 'vitest';
import { NO_SCHEDULES } from '../study-config/schedules.ts';
import { dueTimes, isTimeZone } from './due-times.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (times: { at: number }[]) => times.map((t) => new Date(t.at).toISOString());

describe('dueTimes', () => {
  // Sunday 09:00 every week, across each zone's spring change (US 8 March, EU 29 March 2026).
  const weekly = { ...NO_SCHEDULES, weekly: [{ day: 0, hour: 9, minute: 0 }] };
  const march = { from: at('2026-03-01T00:00:00Z'), to: at('2026-04-01T00:00:00Z') };

  it('keeps the local time across a DST change, in two time zones', () => {
    const newYork = dueTimes({
      schedules: weekly,
      interventionDates: new Map(),
      timeZone: 'America/New_York',
      ...march,
    });
    expect(iso(newYork)).toEqual([
      '2026-03-01T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-15T13:00:00.000Z',
      '2026-03-22T13:00:00.000Z',
      '2026-03-29T13:00:00.000Z',
    ]);
    const berlin = dueTimes({ schedules: weekly, interventionDates: new Map(), timeZone: 'Europe/Berlin', ...march });
    expect(iso(berlin)).toEqual([
      '2026-03-01T08:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
      '2026-03-15T08:00:00.000Z',
      '2026-03-22T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
    ]);
    expect(new Set(newYork.map((t) => t.scheduleType))).toEqual(new Set(['weekly']));
  });

  it('reads absolute times in the spring gap an hour later, and relative ones from the intervention date', () => {
    const schedules = {
      weekly: [],
      absolute: [{ date: '2026-03-08', hour: 2, minute: 30 }],
      relative: [
        { interventionId: 4, daysAfter: 2, hour: 20, minute: 15 },
        { interventionId: 5, daysAfter: 0, hour: 8, minute: 0 },
      ],
    };
    const times = dueTimes({
      schedules,
      interventionDates: new Map([[4, '2026-03-06']]),
      timeZone: 'America/New_York',
      ...march,
    });
    expect(times).toEqual([
      { scheduleType: 'absolute', at: at('2026-03-08T07:30:00Z') },
      { scheduleType: 'relative', at: at('2026-03-09T00:15:00Z') },
    ]);
  });

  it('takes only [from, to)', () => {
    const times = dueTimes({
      schedules: weekly,
      interventionDates: new Map(),
      timeZone: 'Europe/Berlin',
      from: at('2026-03-08T08:00:00Z'),
      to: at('2026-03-15T08:00:00Z'),
    });
    expect(iso(times)).toEqual(['2026-03-08T08:00:00.000Z']);
  });

  it('knows an Olson name from anything else', () => {
    expect([isTimeZone('America/New_York'), isTimeZone(''), isTimeZone('Mars/Olympus')]).toEqual([true, false, false]);
  });
});
