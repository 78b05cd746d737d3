import { z } from 'zod';
import { Paging } from '../listing.ts';

const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as Europe/London or UTC');

const Name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const NewStudy = z.strictObject({
  name: Name,
  description: z.string().max(10_000).default(''),
  timezone: TimeZone.default('UTC'),
});
export type NewStudy = z.infer<typeof NewStudy>;

export const StudyPatch = z
  .strictObject({ name: Name, description: z.string().max(10_000), timezone: TimeZone })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'expected at least one of name, description, timezone');
export type StudyPatch = z.infer<typeof StudyPatch>;

export const StudyQuery = Paging.extend({ q: z.string().trim().min(1).max(200).optional() });
export type StudyQuery = z.infer<typeof StudyQuery>;
