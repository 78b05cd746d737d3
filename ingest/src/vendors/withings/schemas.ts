import { z } from 'zod';

/** Every Withings answer is HTTP 200 with `{status, body}`; `status` 0 is success (wearable-apis.md §4.2–4.3). */
export const WithingsEnvelope = z.object({
  status: z.number().int(),
  body: z.unknown().optional(),
  error: z.string().optional(),
});

export const Nonce = z.object({ nonce: z.string().min(1) });
