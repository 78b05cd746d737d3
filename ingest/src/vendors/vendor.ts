import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import type { WearablesConfig } from '../providers/config.ts';
import type { Provider, ProviderId } from '../providers/provider.ts';
import type { Budgets } from '../wearables/budget.ts';
import type { QuotaWindow } from '../wearables/capacity.ts';
import type { WearableMeasurement } from '../wearables/measurements.ts';
import type { NotificationDeps } from '../wearables/notifications/accept.ts';
import type { DataSource } from '../wearables/source.ts';

/** What a vendor delivers of the catalogue (`wearables/measurements.ts`) and the consent each needs. */
export type Offer = {
  /** Every scope the vendor may be asked for, in the order a consent lists them. */
  readonly order: readonly string[];
  /** Asked whatever the study collects: what the pull needs for every type (device lists). */
  readonly always: readonly string[];
  /** The measurements the vendor delivers, each with the scopes its reads need. */
  readonly scopes: Partial<Readonly<Record<WearableMeasurement, readonly string[]>>>;
  /**
   * The pull's data types (`DataSource.types` names) and the measurements each reads; a type is
   * read when the study collects any of them. An empty list: read for every study (devices).
   */
  readonly types: Readonly<Record<string, readonly WearableMeasurement[]>>;
};

/** The vendor's documented quotas and what a pull spends of them, for the capacity model (`wearables/capacity.ts`). */
export type Quotas = {
  readonly windows: readonly QuotaWindow[];
  /**
   * Calls one sync pull makes for each of the source's types (`DataSource.types`) when the device
   * uploaded since the last pull. A type the study does not collect makes none (`readsType`); one
   * read at most every `DataType.everyMs` makes them only in the pulls that read it.
   */
  readonly callsPerType: Readonly<Record<string, number>>;
  /** Token refreshes a day counted in the vendor's data quota. */
  readonly refreshesInQuota?: number;
};

/** What a vendor's listing pass (`Vendor.listing`) gets. */
export type ListingDeps = Pick<AppDeps, 'db' | 'log' | 'config'> & {
  readonly budgets: Budgets;
  readonly fetchFn?: typeof fetch;
};

export type SubscriptionDeps = Pick<AppDeps, 'db' | 'vault' | 'log' | 'clock' | 'config'> & { fetchFn?: typeof fetch };

/** What a vendor's notification routes get from the shared routing (`wearables/notifications/routes.ts`). */
export type NotificationRouting = {
  readonly deps: AppDeps;
  readonly notified: NotificationDeps;
  /** The limit on an unauthenticated body. */
  readonly limit: MiddlewareHandler;
  /** Records an admin's setting up of the vendor's registration. */
  readonly audit: (c: Context<AppEnv>, action: string, after: unknown) => Promise<void>;
};

/**
 * One wearable vendor, whole: everything vendor-specific lives in its folder `vendors/<id>/` and is
 * reached through this object (`vendors/registry.ts`), so adding a vendor is adding a folder.
 */
export type Vendor = {
  readonly id: ProviderId;
  /** For patients and admins: "Fitbit (Google Health)". */
  readonly displayName: string;
  /** The brand alone, for sentences such as "send a new Fitbit connect link". */
  readonly shortName: string;
  /** The app a patient opens to sync their device. */
  readonly appName: string;
  /** False when its access token's end is the end of the patient's consent (Polar issues no refresh token). */
  readonly issuesRefreshTokens: boolean;
  /** Days after consent at which the vendor ends every grant of an app still in testing (`connections/refresh.ts`). */
  readonly testingGrantDays?: number;
  /** Its OAuth provider, or null when this server has no client for it. */
  createProvider(config: WearablesConfig, fetchFn: typeof fetch): Provider | null;
  /** Its pulls. */
  readonly source: DataSource;
  readonly offer: Offer;
  readonly quotas: Quotas;
  /**
   * The budget a pull's rate-limit facts report on; `headers`: the vendor's own rate-limit headers
   * seen by the pull (`PullEnv.observe`) are reported too.
   */
  readonly rateLimits: { key(connectionId: number): string; readonly headers: boolean };
  /** Its notification endpoints, for a vendor that sends notifications. */
  readonly notifications?: {
    /** Its public endpoints, beside the OAuth callbacks. */
    readonly routes: (routing: NotificationRouting) => Hono<AppEnv>;
    /** Setting up the registration that covers every connection (Polar's webhook, Google's subscriber). */
    readonly adminRoutes?: (routing: NotificationRouting) => Hono<AppEnv>;
  };
  /**
   * For a vendor that can list which of the client's users have new data (Polar's pull
   * notifications), asked once a pass for the whole client: while its notifications do not cover
   * the client, the scheduler runs `pass` every `everyMinutes` and the planner pulls a connection
   * incrementally only once a pass listed it since its last pull (`listed_at`), or when the
   * safety-net gap (`WearablePullSettings.listingSafetyNetMinutes`) has passed since that pull.
   */
  readonly listing?: {
    /** How often the list is asked: its calls a day, and how long a listed user waits at most. */
    readonly everyMinutes: number;
    /** One pass: stamps `listed_at` on the listed users' connections; what it did, for the scheduler's log. */
    pass(deps: ListingDeps, now: Date): Promise<unknown>;
  };
  /**
   * For a vendor that notifies only the users subscribed one by one (Withings; the others' one
   * registration covers every user): subscribing on connect, with notifications on, returns whether
   * it took; unsubscribing on disconnect is best effort, with the token the connection still holds.
   */
  readonly subscriptions?: {
    subscribe(deps: SubscriptionDeps, connectionId: number, requestId: string): Promise<boolean>;
    unsubscribe(deps: SubscriptionDeps, connectionId: number, accessToken: string): Promise<void>;
  };
};
