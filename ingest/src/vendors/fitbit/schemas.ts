import { z } from 'zod';

/** `GET /v4/users/me/identity` (google-health-api.md §2). */
export const Identity = z.object({
  healthUserId: z.string().min(1).max(128),
  legacyUserId: z.string().min(1).max(32).optional(),
});

/** The Google RPC status envelope every Health API error uses (§1.6). */
export const GoogleErrorEnvelope = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ reason: z.string().optional() })).optional(),
  }),
});
export type GoogleErrorEnvelope = z.infer<typeof GoogleErrorEnvelope>;
