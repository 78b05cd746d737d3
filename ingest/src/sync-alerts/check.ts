import type { Knex } from 'knex';
import type { AppDeps } from '../app-env.ts';
import { UNTIMED } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { renderDigest } from './digest.ts';
import { DAY_MS, findProblems, type Problem } from './problems.ts';
import type { StoredDigestEpisode } from './schemas.ts';
import {
  allSyncAlertSettings,
  insertDigest,
  markNotified,
  openEpisode,
  openEpisodes,
  resolveEpisodes,
  type Episode,
} from './store.ts';

export type SyncCheckDeps = Pick<AppDeps, 'db' | 'config' | 'log' | 'mailer'>;

export type SyncCheckSummary = {
  studiesChecked: number;
  episodesOpened: number;
  episodesResolved: number;
  /** Problems open after the check, reported or not. */
  episodesOpen: number;
  digestsSent: number;
  digestsFailed: number;
  /** Episodes due for a report that went to nobody: their study has no recipients, or mail is off. */
  episodesUnsent: number;
  mailEnabled: boolean;
};

// The check runs daily at the same minute, a few seconds later or earlier each time: a reminder
// due after N days must not slip to day N+1 because this run started a little sooner.
const REMINDER_SLACK_MS = 3_600_000;

const keyOf = (e: { connectionId: number; kind: string }) => `${e.connectionId}:${e.kind}`;

/**
 * The daily sync-health check: opens an episode for each new problem, resolves those that went
 * away, and sends each study one digest of the episodes never reported or last reported a
 * reminder interval ago. An episode is marked notified only once its digest was accepted by the
 * SMTP server, so a failed send is retried next run. One process at a time (a named lock), so two
 * ingest processes never send the same digest twice.
 */
export async function runSyncCheck(deps: SyncCheckDeps, now: Date): Promise<SyncCheckSummary> {
  return withCheckLock(deps.db, () => check(deps, now));
}

async function check({ db, config, log, mailer }: SyncCheckDeps, now: Date): Promise<SyncCheckSummary> {
  const { staleDays, reminderDays, expiryWarningDays } = config.syncAlerts;
  const settings = await allSyncAlertSettings(db);
  const { problems, studies } = await findProblems(db, now, settings, { staleDays, expiryWarningDays });
  const current = new Map(problems.map((p) => [keyOf(p), p]));

  const { open, opened, resolved } = await db.transaction(async (trx) => {
    const existing = await openEpisodes(trx);
    const gone = existing.filter((e) => !current.has(keyOf(e))).map((e) => e.id);
    await resolveEpisodes(trx, gone, now);
    const stillOpen = existing.filter((e) => current.has(keyOf(e)));
    const known = new Set(stillOpen.map(keyOf));
    const fresh: Episode[] = [];
    for (const p of problems) if (!known.has(keyOf(p))) fresh.push(await openEpisode(trx, p, now));
    return { open: [...stillOpen, ...fresh], opened: fresh.length, resolved: gone.length };
  });

  const dueBefore = now.getTime() - reminderDays * DAY_MS + REMINDER_SLACK_MS;
  const due = new Map<number, { problem: Problem; episode: Episode }[]>();
  for (const episode of open) {
    if (episode.lastNotifiedAt !== null && episode.lastNotifiedAt.getTime() > dueBefore) continue;
    const problem = current.get(keyOf(episode));
    if (!problem) continue;
    due.set(problem.studyId, [...(due.get(problem.studyId) ?? []), { problem, episode }]);
  }

  const summary: SyncCheckSummary = {
    studiesChecked: studies.size,
    episodesOpened: opened,
    episodesResolved: resolved,
    episodesOpen: open.length,
    digestsSent: 0,
    digestsFailed: 0,
    episodesUnsent: 0,
    mailEnabled: mailer.enabled,
  };
  for (const [studyId, items] of [...due].sort(([a], [b]) => a - b)) {
    const recipients = settings.get(studyId)?.recipients ?? [];
    if (recipients.length === 0 || !mailer.enabled) {
      summary.episodesUnsent += items.length;
      continue;
    }
    items.sort(
      (a, b) =>
        a.problem.listed.participantLabel.localeCompare(b.problem.listed.participantLabel) ||
        a.problem.kind.localeCompare(b.problem.kind) ||
        a.episode.id - b.episode.id
    );
    const episodes: StoredDigestEpisode[] = items.map(({ problem, episode }) => ({
      episodeId: episode.id,
      connectionId: episode.connectionId,
      ...problem.listed,
    }));
    const message = renderDigest({
      studyName: items[0]?.problem.studyName ?? String(studyId),
      checkedAt: now,
      staleDays: settings.get(studyId)?.staleDeviceDays ?? staleDays,
      reminderDays,
      episodes,
    });
    const digest = { studyId, sentAt: now, recipients, episodes };
    try {
      await mailer.send({ to: recipients, ...message });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log.warn(
        { studyId, episodes: episodes.length, err: error },
        'sync digest not sent; its episodes are retried next run'
      );
      await insertDigest(db, { ...digest, error });
      summary.digestsFailed += 1;
      continue;
    }
    await db.transaction(async (trx) => {
      await insertDigest(trx, { ...digest, error: null });
      await markNotified(
        trx,
        items.map((i) => i.episode.id),
        now
      );
    });
    summary.digestsSent += 1;
  }
  if (!mailer.enabled && summary.episodesUnsent > 0) {
    log.warn(
      { episodes: summary.episodesUnsent },
      'mail is off (VIGIL_SMTP_URL is not set): sync problems recorded, no digest sent'
    );
  }
  return summary;
}

/** Holds a named lock for the check on its own connection; a second process waits, then finds nothing due. */
async function withCheckLock<T>(db: Knex, work: () => Promise<T>): Promise<T> {
  return db.transaction(async (session) => {
    const [rows] = (await session
      .raw("SELECT GET_LOCK(CONCAT('vigil-sync-check:', DATABASE()), 60) AS got")
      .options(UNTIMED)) as [{ got: number | null }[]];
    if (rows[0]?.got !== 1) throw new ConflictError('the sync check is running in another process; try again later');
    try {
      return await work();
    } finally {
      await session.raw("SELECT RELEASE_LOCK(CONCAT('vigil-sync-check:', DATABASE()))");
    }
  });
}
