import { describe, expect, it } from 'vitest';
import { legibleTime, localDate, orjsonTime } from './python-time.ts';

/** Expected texts are what Python 3.11 with zoneinfo prints for the same instants (isoformat, which orjson matches). */
describe('Beiwe time texts', () => {
  const d = new Date('2026-01-15T12:00:00.007Z');
  it('writes orjson datetimes: microseconds only when not zero, the zone offset, Z on request', () => {
    expect(orjsonTime(d)).toBe('2026-01-15T12:00:00.007000+00:00');
    expect(orjsonTime(d, 'America/St_Johns')).toBe('2026-01-15T08:30:00.007000-03:30');
    expect(orjsonTime(d, 'UTC', { omitMicroseconds: true, utcZ: true })).toBe('2026-01-15T12:00:00Z');
    expect(orjsonTime(new Date('2026-07-01T00:00:00Z'), 'Europe/Paris')).toBe('2026-07-01T02:00:00+02:00');
  });
  it("writes strftime's %Y-%m-%d and %Y-%m-%d %H:%M:%S (%Z)", () => {
    expect(localDate(d, 'Pacific/Kiritimati')).toBe('2026-01-16');
    expect(legibleTime(d, 'America/New_York')).toBe('2026-01-15 07:00:00 (EST)');
    expect(legibleTime(new Date('2026-07-01T00:00:00Z'), 'Europe/Paris')).toBe('2026-07-01 02:00:00 (CEST)');
    expect(legibleTime(d, 'Asia/Dubai')).toBe('2026-01-15 16:00:00 (+04)');
    expect(legibleTime(d, 'UTC')).toBe('2026-01-15 12:00:00 (UTC)');
  });
});
