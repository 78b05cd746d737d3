import type { Knex } from 'knex';
import { isDuplicateKey } from '../../db.ts';
import type { Vault } from '../../vault/vault.ts';
import { generateParticipantKeyPair } from '../protocol/keys.ts';
import { beiweDeviceHash, generateBeiweId, generateTemporaryPassword, hashPassword } from '../protocol/passwords.ts';

/** What admins see of a participant's phone; never the password or keys. */
export type BeiweState = {
  patientId: string;
  registered: boolean;
  osType: string | null;
  firstRegisteredAt: Date | null;
  lastRegisteredAt: Date | null;
  lastUploadAt: Date | null;
  lastHeartbeatAt: Date | null;
  retiredAt: Date | null;
  /** Every request's device status report is kept (a debugging switch, off by default). */
  deviceInfoTracking: boolean;
};

type BeiweRow = {
  participant_id: number;
  patient_id: string;
  device_id: string | null;
  os_type: string | null;
  first_registered_at: Date | null;
  last_registered_at: Date | null;
  last_upload_at: Date | null;
  last_heartbeat_at: Date | null;
  retired_at: Date | null;
  device_info_tracking: number;
};

const stateColumns = [
  'participant_id',
  'patient_id',
  'device_id',
  'os_type',
  'first_registered_at',
  'last_registered_at',
  'last_upload_at',
  'last_heartbeat_at',
  'retired_at',
  'device_info_tracking',
] as const;

const toState = (r: BeiweRow): BeiweState => ({
  patientId: r.patient_id,
  registered: r.device_id !== null,
  osType: r.os_type,
  firstRegisteredAt: r.first_registered_at,
  lastRegisteredAt: r.last_registered_at,
  lastUploadAt: r.last_upload_at,
  lastHeartbeatAt: r.last_heartbeat_at,
  retiredAt: r.retired_at,
  deviceInfoTracking: Boolean(r.device_info_tracking),
});

export async function findBeiweStates(db: Knex, participantIds: readonly number[]): Promise<Map<number, BeiweState>> {
  if (participantIds.length === 0) return new Map();
  const rows = (await db('beiwe_participants')
    .select(stateColumns)
    .whereIn('participant_id', participantIds)) as BeiweRow[];
  return new Map(rows.map((r) => [r.participant_id, toState(r)]));
}

export async function findBeiweState(db: Knex, participantId: number, opts: { forUpdate?: boolean } = {}) {
  const q = db('beiwe_participants').select(stateColumns).where({ participant_id: participantId }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as BeiweRow | undefined;
  return row && toState(row);
}

/** Credentials made before the transaction that stores them: RSA key generation takes a while. */
export type PreparedCredentials = {
  temporaryPassword: string;
  passwordHash: string;
  publicKey: string;
  privateKeyPem: string;
};

export async function prepareCredentials(): Promise<PreparedCredentials> {
  const temporaryPassword = generateTemporaryPassword();
  const [keys, passwordHash] = await Promise.all([
    generateParticipantKeyPair(),
    hashPassword(beiweDeviceHash(temporaryPassword)),
  ]);
  return { temporaryPassword, passwordHash, publicKey: keys.publicKeyForApp, privateKeyPem: keys.privateKeyPem };
}

export const privateKeyContext = (participantId: number) => `participant:${participantId}:beiwe-rsa`;

/** Stores credentials under a fresh patient id, drawing again in the (astronomically rare) case of a clash. */
export async function insertCredentials(
  db: Knex,
  vault: Vault,
  participantId: number,
  prepared: PreparedCredentials,
  now: Date
): Promise<{ patientId: string }> {
  const privateKeySealed = vault.seal(prepared.privateKeyPem, privateKeyContext(participantId));
  for (let attempt = 0; ; attempt++) {
    const patientId = generateBeiweId();
    try {
      await db('beiwe_participants').insert({
        participant_id: participantId,
        patient_id: patientId,
        password_hash: prepared.passwordHash,
        private_key_sealed: privateKeySealed,
        public_key: prepared.publicKey,
        created_at: now,
        updated_at: now,
      });
      return { patientId };
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 5 || String((err as Error).message).includes('PRIMARY')) throw err;
    }
  }
}

export async function updateCredentials(
  db: Knex,
  participantId: number,
  changes: { password_hash?: string; device_id?: null; retired_at?: Date; device_info_tracking?: boolean },
  now: Date
): Promise<void> {
  await db('beiwe_participants')
    .where({ participant_id: participantId })
    .update({ ...changes, updated_at: now });
}
