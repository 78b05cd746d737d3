import { dateTimeFormat } from '@grafana/data';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** A timestamp in the viewer's Grafana time zone, or a dash when there is none. */
export function formatTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat(iso) : '—';
}

/** How long ago, in the largest whole unit: "just now", "5 min ago", "3 h ago", "12 d ago". */
export function formatAge(iso: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - new Date(iso).getTime());
  if (ms < 60_000) return 'just now';
  if (ms < HOUR_MS) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < DAY_MS) return `${Math.floor(ms / HOUR_MS)} h ago`;
  return `${Math.floor(ms / DAY_MS)} d ago`;
}

export type Recency = 'recent' | 'stale' | 'old' | 'never';

/** The colour bands of the participants table: within 2 days, within 7 days, older. */
export function recencyOf(iso: string | null | undefined, now: Date): Recency {
  if (!iso) return 'never';
  const ms = now.getTime() - new Date(iso).getTime();
  if (ms <= 2 * DAY_MS) return 'recent';
  if (ms <= 7 * DAY_MS) return 'stale';
  return 'old';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}
