import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';

export type ParticipantKeyPair = {
  /** Base64 (standard alphabet, no newlines) DER SubjectPublicKeyInfo: 392 chars starting `MIIBI`. */
  publicKeyForApp: string;
  /** PKCS#8 PEM; the decryptor also takes the PKCS#1 PEM the Beiwe backend stores. */
  privateKeyPem: string;
};

/** RSA-2048, e = 65537, as the backend creates per participant (spec §3.1). */
export function generateParticipantKeyPair(): Promise<ParticipantKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicExponent: 65537,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (error, publicKey, privateKey) => {
        if (error) reject(error);
        else resolve({ publicKeyForApp: publicKey.toString('base64'), privateKeyPem: privateKey });
      }
    );
  });
}

/**
 * The registration response's `client_public_key` (spec §2.1): the SPKI PEM body without its
 * armour lines and newlines. Accepts a public key or a private key (PEM or KeyObject).
 */
export function publicKeyForAppFromPem(pem: string | KeyObject): string {
  return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
}
