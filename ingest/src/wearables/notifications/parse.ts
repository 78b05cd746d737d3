import { InvalidInputError } from '../../errors.ts';

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A vendor's body as JSON, or undefined when it is not JSON (the signature is checked on the raw text first). */
export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export function fieldsError(issues: readonly { path: readonly PropertyKey[]; message: string }[]): InvalidInputError {
  return InvalidInputError.fromFields(
    issues.map((i) => ({ field: i.path.length > 0 ? i.path.map(String).join('.') : 'body', message: i.message }))
  );
}
