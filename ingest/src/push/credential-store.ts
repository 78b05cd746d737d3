import type { Knex } from 'knex';
import type { Vault } from '../vault/vault.ts';
import { ServiceAccount } from './google-auth.ts';
import type { PlistValue } from './plist.ts';

/** Each secret opens only in its own slot (the vault authenticates the context). */
const CONTEXT = {
  serviceAccount: 'push:firebase-service-account',
  android: 'push:android-google-services',
  ios: 'push:ios-google-service-info',
} as const;

export type CredentialKind = keyof typeof CONTEXT;
export const CREDENTIAL_KINDS = Object.keys(CONTEXT) as CredentialKind[];

type Row = {
  service_account_sealed: string | null;
  project_id: string | null;
  android_json_sealed: string | null;
  ios_plist_sealed: string | null;
  problem: string | null;
  problem_at: Date | null;
  updated_at: Date;
  updated_by: string;
};

/** What operators may see: which credentials are set, the sending project, and Google's last refusal. */
export type CredentialStatus = {
  serviceAccount: boolean;
  android: boolean;
  ios: boolean;
  projectId: string | null;
  problem: { message: string; at: Date } | null;
  updatedAt: Date | null;
  updatedBy: string | null;
};

export async function credentialStatus(db: Knex): Promise<CredentialStatus> {
  const row = await readRow(db);
  return {
    serviceAccount: row?.service_account_sealed != null,
    android: row?.android_json_sealed != null,
    ios: row?.ios_plist_sealed != null,
    projectId: row?.project_id ?? null,
    problem: row?.problem != null ? { message: row.problem, at: row.problem_at! } : null,
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  };
}

const readRow = async (db: Knex, forUpdate = false) => {
  const q = db('push_credentials').where({ id: 1 }).first();
  return (await (forUpdate ? q.forUpdate() : q)) as Row | undefined;
};

export type CredentialChanges = {
  serviceAccount?: ServiceAccount | null;
  android?: Record<string, unknown> | null;
  ios?: Record<string, PlistValue> | null;
};

/** Sets (a value) or clears (null) each credential named; a new service account clears the recorded problem. */
export async function saveCredentials(
  db: Knex,
  vault: Vault,
  changes: CredentialChanges,
  by: string,
  now: Date
): Promise<void> {
  const seal = (kind: CredentialKind, value: unknown) =>
    value === null ? null : vault.seal(JSON.stringify(value), CONTEXT[kind]);
  const columns: Partial<Row> = {};
  if (changes.serviceAccount !== undefined) {
    columns.service_account_sealed = seal('serviceAccount', changes.serviceAccount);
    columns.project_id = changes.serviceAccount?.project_id ?? null;
    columns.problem = null;
    columns.problem_at = null;
  }
  if (changes.android !== undefined) columns.android_json_sealed = seal('android', changes.android);
  if (changes.ios !== undefined) columns.ios_plist_sealed = seal('ios', changes.ios);
  await db('push_credentials')
    .insert({ id: 1, ...columns, updated_at: now, updated_by: by })
    .onConflict('id')
    .merge({ ...columns, updated_at: now, updated_by: by });
}

/** The service account sending uses, unless Google refused it (then nothing is sent until it is replaced). */
export async function sendingAccount(
  db: Knex,
  vault: Vault
): Promise<{ account: ServiceAccount; problem: string | null } | undefined> {
  const row = await readRow(db);
  if (!row?.service_account_sealed) return undefined;
  const account = ServiceAccount.parse(
    JSON.parse(vault.open(row.service_account_sealed, CONTEXT.serviceAccount).toString())
  );
  return { account, problem: row.problem };
}

/** The Firebase app configurations served at registration (null when not set), as Beiwe serves them. */
export async function appConfigs(
  db: Knex,
  vault: Vault
): Promise<{ android: Record<string, unknown> | null; ios: Record<string, PlistValue> | null }> {
  const row = await readRow(db);
  const open = (sealed: string | null | undefined, kind: CredentialKind) =>
    sealed ? (JSON.parse(vault.open(sealed, CONTEXT[kind]).toString()) as Record<string, never>) : null;
  return { android: open(row?.android_json_sealed, 'android'), ios: open(row?.ios_plist_sealed, 'ios') };
}

/** Google refused the service account: recorded once per project id (a replaced account starts clean). */
export async function recordCredentialProblem(db: Knex, projectId: string, message: string, now: Date): Promise<void> {
  await db('push_credentials')
    .where({ id: 1, project_id: projectId })
    .whereNull('problem')
    .update({ problem: message.slice(0, 500), problem_at: now });
}
