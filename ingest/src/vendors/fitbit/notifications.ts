import { z } from 'zod';
import type { AppDeps } from '../../app-env.ts';
import { InvalidInputError, UpstreamError } from '../../errors.ts';
import { providerFetch } from '../../providers/http.ts';
import { findChannel, newChannelSecret, saveChannel } from '../../wearables/notifications/channels.ts';

/**
 * Google Health webhooks (google-health-api.md §5, §10): one subscriber for the project, with an
 * AUTOMATIC config (every consenting user is covered; no per-user subscription calls), whose
 * endpoint proves itself in Google's verification handshake and is then called with the
 * `Authorization` secret Vigil chose. The subscriber calls need a `cloud-platform` token, which an
 * admin brings for the one call and Vigil never stores.
 */

/**
 * Data types the pulls read that every revision of the webhooks page can notify (the REST
 * reference allows only altitude, distance, floors, sleep, steps and weight, §10.4). Any
 * notification pulls every type, and a device upload changes steps whatever else it brings.
 */
export const GOOGLE_DATA_TYPES = ['steps', 'sleep', 'weight'] as const;

export const GOOGLE_SUBSCRIBER_ID = 'vigil-notifications';
export const googleEndpointPath = '/oauth/notify/fitbit';

type Deps = Pick<AppDeps, 'db' | 'vault' | 'log' | 'clock' | 'config'> & { fetchFn?: typeof fetch };

export const SubscriberRequest = z.strictObject({
  projectNumber: z.string().regex(/^\d{1,20}$/, 'expected the Cloud project number (digits), not its id'),
  accessToken: z
    .string()
    .min(10, 'expected a cloud-platform access token, e.g. from gcloud auth print-access-token')
    // Google's OAuth guide: "access tokens can vary in size ... up to 2048 bytes".
    .max(2048, 'longer than any Google access token (at most 2048 bytes)'),
});

const Operation = z.object({
  name: z.string(),
  done: z.boolean().optional(),
  error: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
  response: z.object({ name: z.string().optional(), state: z.string().optional() }).optional(),
});
const GoogleError = z.object({ error: z.object({ status: z.string().optional(), message: z.string().optional() }) });

export type GoogleSubscriber = {
  name: string;
  endpointUri: string;
  dataTypes: string[];
  created: boolean;
  state: string;
};

/**
 * Creates the project's subscriber, or (when Vigil made one before) patches it to the current URL,
 * data types and a new secret. The secret is stored before the call: Google verifies the endpoint
 * while the call is in flight, and the endpoint checks against the stored secret.
 */
export async function ensureGoogleSubscriber(
  deps: Deps,
  request: z.infer<typeof SubscriberRequest>
): Promise<GoogleSubscriber> {
  const fetchFn = deps.fetchFn ?? globalThis.fetch;
  const base = `${deps.config.wearables.fitbit.apiUrl}/v4/projects/${request.projectNumber}/subscribers`;
  const name = `projects/${request.projectNumber}/subscribers/${GOOGLE_SUBSCRIBER_ID}`;
  const endpointUri = `${deps.config.publicUrl}${googleEndpointPath}`;
  const previous = await findChannel(deps.db, deps.vault, 'fitbit');
  const secret = `Bearer ${newChannelSecret()}`;
  const body = {
    endpointUri,
    subscriberConfigs: [{ dataTypes: [...GOOGLE_DATA_TYPES], subscriptionCreatePolicy: 'AUTOMATIC' }],
    endpointAuthorization: { secret },
  };
  const patching = previous?.remoteId === name;
  // Stored first: Google verifies the endpoint while the call is in flight. A failure puts the previous one back.
  await saveChannel(
    deps.db,
    deps.vault,
    {
      provider: 'fitbit',
      secret,
      remoteId: previous?.remoteId ?? null,
      url: endpointUri,
      coversAll: true,
      active: false,
    },
    deps.clock()
  );
  const restore = async () => {
    if (previous) await saveChannel(deps.db, deps.vault, previous, deps.clock());
    else await deps.db('wearable_notify_channels').where({ provider: 'fitbit' }).delete();
  };
  let res: Response;
  try {
    res = await providerFetch(
      'fitbit',
      fetchFn,
      patching
        ? `${base}/${GOOGLE_SUBSCRIBER_ID}?updateMask=endpoint_uri,subscriber_configs,endpoint_authorization`
        : `${base}?subscriberId=${GOOGLE_SUBSCRIBER_ID}`,
      {
        method: patching ? 'PATCH' : 'POST',
        headers: { authorization: `Bearer ${request.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }
    );
  } catch (err) {
    await restore();
    throw err;
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    await restore();
    const e = GoogleError.safeParse(json);
    const what = e.success ? `${e.data.error.status ?? ''} ${e.data.error.message ?? ''}`.trim() : '';
    // A token Google does not accept is the admin's input to fix, not Google failing.
    if (res.status === 401 || res.status === 403) {
      throw InvalidInputError.fromFields([
        { field: 'accessToken', message: `Google refused it (HTTP ${res.status}${what ? `: ${what}` : ''})` },
      ]);
    }
    throw new UpstreamError(
      `Google answered HTTP ${res.status} to ${patching ? 'updating' : 'creating'} the subscriber${what ? `: ${what}` : ''}`
    );
  }
  const op = Operation.parse(json);
  if (op.error) {
    await restore();
    throw new UpstreamError(`Google could not set up the subscriber: ${op.error.message ?? `code ${op.error.code}`}`);
  }
  const state = op.done ? (op.response?.state ?? 'ACTIVE') : 'PENDING';
  await saveChannel(
    deps.db,
    deps.vault,
    { provider: 'fitbit', secret, remoteId: name, url: endpointUri, coversAll: true, active: state === 'ACTIVE' },
    deps.clock()
  );
  deps.log.info({ subscriber: name, endpointUri, state }, 'google health subscriber set up');
  return { name, endpointUri, dataTypes: [...GOOGLE_DATA_TYPES], created: !patching, state };
}

/** The verification handshake's body (§10.3). */
export const Verification = z.object({ type: z.literal('verification') });

/** A delivery: always a JSON array of 1 to 99 notifications (§10.5); parsed tolerantly beyond what is used. */
export const GoogleNotifications = z
  .array(
    z.object({
      data: z.looseObject({
        healthUserId: z.string().min(1).max(128),
        dataType: z.string().max(64).optional(),
        operation: z.string().max(32).optional(),
      }),
    })
  )
  .min(1)
  .max(99);
