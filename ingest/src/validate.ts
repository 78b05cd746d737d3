import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { InvalidInputError } from './errors.ts';
import { parseJsonBody } from './json-body.ts';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** The one validator: every failure becomes an InvalidInputError naming each bad field. */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema
) => {
  const validator = zValidator(target, schema, (result) => {
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
  if (target !== 'json') return validator;
  // Hono's own reading decodes leniently; the body is read strictly here and handed to it parsed.
  const strict: typeof validator = async (c, next) => {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (JSON_MEDIA_TYPE.test(mediaType)) {
      const value = parseJsonBody(await c.req.arrayBuffer());
      c.req.bodyCache.json = Promise.resolve(value);
    }
    return validator(c, next);
  };
  return strict;
};
