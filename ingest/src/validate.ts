import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { InvalidInputError } from './errors.ts';

/** The one validator: every failure becomes an InvalidInputError naming each bad field. */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) {
      throw InvalidInputError.fromFields(
        result.error.issues.flatMap((issue) => {
          const at = issue.path.map(String);
          // An unknown key is a problem with that key, not with the object holding it.
          if (issue.code === 'unrecognized_keys') {
            return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'is not a known field' }));
          }
          return [{ field: at.length > 0 ? at.join('.') : target, message: issue.message }];
        })
      );
    }
  });
