import { asAdmin } from './app-deps.ts';
import { createPhone, type PhoneOptions } from './phone-emulator/phone.ts';

/** What `createApp` gives: requests answered in-process. */
type InProcess = { request: (input: string, init?: RequestInit) => Response | Promise<Response> };

/** A POST of the admin API through the app; a refusal fails the test with the app's answer. */
async function adminPost<T>(app: InProcess, path: string, body: unknown): Promise<T> {
  const res = await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export type Enrolled = { id: number; beiwe: { patientId: string; temporaryPassword: string } };

/**
 * A participant enrolled through the admin API, in a new study unless one is named, and an emulated
 * phone of theirs talking to `app` in-process (at http://vigil.test). The phone is not registered:
 * tests that look at registration do it themselves.
 */
export async function enrolledPhone(
  app: InProcess,
  { label, studyId, phone = {} }: { label: string; studyId?: number; phone?: Partial<PhoneOptions> }
) {
  const study = studyId ?? (await adminPost<{ id: number }>(app, '/api/v1/studies', { name: `Study ${label}` })).id;
  const participant = await adminPost<Enrolled>(app, `/api/v1/studies/${study}/participants`, { label });
  return {
    studyId: study,
    participant,
    phone: createPhone({
      os: 'android',
      serverUrl: 'http://vigil.test',
      patientId: participant.beiwe.patientId,
      temporaryPassword: participant.beiwe.temporaryPassword,
      seed: label,
      fetch: (input, init) => Promise.resolve(app.request(input as string, init)),
      ...phone,
    }),
  };
}
