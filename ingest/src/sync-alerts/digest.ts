import { providerName } from './problems.ts';
import type { DigestEpisode } from './schemas.ts';

export type DigestInput = {
  readonly studyName: string;
  readonly checkedAt: Date;
  readonly staleDays: number;
  readonly reminderDays: number;
  readonly episodes: readonly DigestEpisode[];
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function problemOf(e: DigestEpisode): string {
  const since =
    e.daysSinceSync === null ? 'no device sync seen yet' : `not synced for ${plural(e.daysSinceSync, 'day', 'days')}`;
  if (e.kind === 'needs_consent') return `needs consent again (${since})`;
  if (e.kind === 'expires_soon') return `consent ends on ${e.consentEndsOn ?? 'a date soon'}`;
  if (e.kind === 'consent_gap') return `needs a new consent for: ${(e.measurements ?? []).join(', ')}`;
  return since;
}

/** The e-mail for one study's digest: a plain-text list and the same as an HTML table. */
export function renderDigest(d: DigestInput): { subject: string; text: string; html: string } {
  // A study name is free text: keep it on the subject's one line.
  const study = d.studyName.replace(/\s+/g, ' ').trim();
  const count = plural(d.episodes.length, 'wearable needs', 'wearables need');
  const intro = `${count} attention in study ${study} (checked ${d.checkedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC).`;
  const footer =
    `A device counts as not synced after ${plural(d.staleDays, 'day', 'days')} without a sync. Each problem is ` +
    `reported once, then again every ${plural(d.reminderDays, 'day', 'days')} until it is resolved.`;
  const lines = d.episodes.map((e) => {
    const device = e.device === null ? '' : ` (${e.device})`;
    return `- ${e.participantLabel}: ${providerName(e.provider)}${device}, ${problemOf(e)}.\n  To do: ${e.action}.`;
  });
  const rows = d.episodes.map(
    (e) =>
      `<tr><td>${escape(e.participantLabel)}</td><td>${providerName(e.provider)}</td><td>${escape(e.device ?? '')}</td>` +
      `<td>${e.daysSinceSync ?? ''}</td><td>${escape(problemOf(e))}</td><td>${escape(e.action)}</td></tr>`
  );
  return {
    subject: `Vigil: ${count} attention in ${study}`,
    text: [intro, '', ...lines, '', footer, ''].join('\n'),
    html: [
      `<p>${escape(intro)}</p>`,
      '<table border="1" cellpadding="4" cellspacing="0">',
      '<tr><th>Patient</th><th>Provider</th><th>Device</th><th>Days since sync</th><th>Problem</th><th>What to do</th></tr>',
      ...rows,
      '</table>',
      `<p>${escape(footer)}</p>`,
    ].join('\n'),
  };
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
