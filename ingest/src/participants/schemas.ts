import { z } from 'zod';
import { Paging } from '../listing.ts';

export const ParticipantStatus = z.enum(['active', 'paused', 'completed', 'withdrawn']);

/** A study-scoped label such as `patient_1`: what clinicians see on dashboards. */
const Label = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u,
    'use letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit'
  );

export const NewParticipant = z.strictObject({
  label: Label,
  status: ParticipantStatus.default('active'),
});
export type NewParticipant = z.infer<typeof NewParticipant>;

/** The enrolment request: a participant, and (by default) Beiwe phone credentials for them. */
export const Enrolment = NewParticipant.extend({ beiwe: z.boolean().default(true) });

export const ParticipantPatch = z
  .strictObject({ label: Label, status: ParticipantStatus })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'expected at least one of label, status');
export type ParticipantPatch = z.infer<typeof ParticipantPatch>;

export const ParticipantQuery = Paging.extend({
  q: z.string().trim().min(1).max(64).optional(),
  status: ParticipantStatus.optional(),
});
export type ParticipantQuery = z.infer<typeof ParticipantQuery>;
