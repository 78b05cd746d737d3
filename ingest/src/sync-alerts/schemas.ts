import { z } from 'zod';
import { PROVIDER_IDS } from '../providers/provider.ts';

export const MAX_RECIPIENTS = 50;

/** Addresses trimmed and de-duplicated case-insensitively, keeping each one's first spelling. */
const Recipients = z
  .array(
    z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ message: 'expected an e-mail address' }))
  )
  .transform((list) => {
    const seen = new Set<string>();
    return list.filter((address) => {
      const key = address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  })
  .pipe(z.array(z.string()).max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} different addresses`));

export const SyncAlertSettings = z.strictObject({
  recipients: Recipients,
  staleDeviceDays: z.number().int().min(1).max(365).nullable(),
});
export type SyncAlertSettings = z.infer<typeof SyncAlertSettings>;

export const EPISODE_KINDS = ['stale_device', 'needs_consent', 'expires_soon', 'consent_gap'] as const;
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

/** One problem as a digest lists it (and as `sync_alert_digests.content` keeps it). */
export const DigestEpisode = z.object({
  kind: z.enum(EPISODE_KINDS),
  participantId: z.number().int(),
  participantLabel: z.string(),
  provider: z.enum(PROVIDER_IDS),
  device: z.string().nullable(),
  daysSinceSync: z.number().int().nullable(),
  /** For `expires_soon`: the date (UTC) the consent ends. */
  consentEndsOn: z.string().optional(),
  /** For `consent_gap`: the study's measurements the consent does not cover, by name. */
  measurements: z.array(z.string()).optional(),
  action: z.string(),
});
export type DigestEpisode = z.infer<typeof DigestEpisode>;

/** What a digest row stores per episode: the listed fields and which episode and connection it was. */
export type StoredDigestEpisode = DigestEpisode & { episodeId: number; connectionId: number };

/** Stored address lists, read back through the same shape they were written in. */
export const StoredRecipients = z.array(z.string());
