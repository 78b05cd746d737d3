import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatDuration, recencyOf } from './format.ts';

const now = new Date('2026-11-21T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('recencyOf', () => {
  it('bands the last upload or heartbeat: within 2 days, within 7 days, older, never', () => {
    expect(recencyOf(ago(5 * HOUR), now)).toBe('recent');
    expect(recencyOf(ago(2 * DAY), now)).toBe('recent');
    expect(recencyOf(ago(2 * DAY + 1), now)).toBe('stale');
    expect(recencyOf(ago(7 * DAY), now)).toBe('stale');
    expect(recencyOf(ago(7 * DAY + 1), now)).toBe('old');
    expect(recencyOf(null, now)).toBe('never');
  });
});

describe('formatAge', () => {
  it('says how long ago in the largest whole unit', () => {
    expect(formatAge(ago(30_000), now)).toBe('just now');
    expect(formatAge(ago(5 * 60_000), now)).toBe('5 min ago');
    expect(formatAge(ago(3 * HOUR + 59 * 60_000), now)).toBe('3 h ago');
    expect(formatAge(ago(12 * DAY), now)).toBe('12 d ago');
    // A clock slightly ahead on the server is not "in the future".
    expect(formatAge(ago(-5_000), now)).toBe('just now');
  });
});

describe('formatBytes and formatDuration', () => {
  it('are readable', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min');
    expect(formatDuration(3 * 3600 + 120)).toBe('3 h 2 min');
    expect(formatDuration(2 * 86_400 + 3600)).toBe('2 d 1 h');
  });
});
