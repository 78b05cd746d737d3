import type { z } from 'zod';
import type { FieldProblem } from '../errors.ts';

/** `$.surveys[0].content[2].display_if.and[0]["<"]`: where in an imported file a problem is. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return (
    '$' +
    path
      .map((key) =>
        typeof key === 'number'
          ? `[${key}]`
          : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(key))
            ? `.${String(key)}`
            : `[${JSON.stringify(String(key))}]`
      )
      .join('')
  );
}

/** Zod issues as the admin API's field problems (`content.2.display_if`), as validate() names them. */
export function fieldProblems(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'is not a known field' }));
    }
    return [{ field: at.length > 0 ? at.join('.') : 'body', message: issue.message }];
  });
}
