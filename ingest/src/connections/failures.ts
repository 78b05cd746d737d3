import type { AppDeps } from '../app-env.ts';
import { recordAudit, type Actor } from '../audit/store.ts';
import { findParticipant } from '../participants/store.ts';
import type { ConnectLink } from './link-store.ts';
import type { Outcome } from './pages.ts';

/** Who acts on the public connect pages: the patient holding the link (no Grafana user). */
export const PATIENT_ACTOR: Actor = { login: 'patient', role: 'None', isServerAdmin: false };

/**
 * Every refused link opening or callback leaves an audit row (on the participant when the link is
 * known, so admins see it in that participant's trail) and a log line; neither holds a token,
 * code or state.
 */
export async function recordConnectFailure(
  deps: Pick<AppDeps, 'db' | 'log' | 'clock'>,
  input: {
    stage: 'link' | 'callback';
    outcome: Outcome;
    link?: ConnectLink | undefined;
    provider?: string | undefined;
    requestId: string;
    details?: Record<string, unknown>;
  }
): Promise<void> {
  const { link, stage, outcome, requestId } = input;
  const provider = (link?.provider ?? input.provider ?? null)?.slice(0, 32) ?? null;
  const participant = link && (await findParticipant(deps.db, link.participantId));
  const target = link
    ? { type: 'participant', id: link.participantId, studyId: participant?.studyId ?? null }
    : { type: 'connect-link', id: 'unknown' };
  await recordAudit(deps.db, deps.clock(), {
    caller: PATIENT_ACTOR,
    requestId,
    action: 'connection.connect-failed',
    target,
    before: null,
    after: { stage, reason: outcome, provider, linkId: link?.id ?? null, ...input.details },
  });
  deps.log.warn({ requestId, stage, reason: outcome, provider, linkId: link?.id ?? null }, 'connect attempt refused');
}
