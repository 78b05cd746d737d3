import { InvalidInputError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
// A surrogate without its pair: JSON's `\ud800` escape makes one, and no column can store it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A JSON request body, read strictly: bytes that are not UTF-8 are refused rather than silently
 * replaced with U+FFFD (which would store something the caller never sent), and so is text with
 * an unpaired surrogate, in a key or a value.
 */
export function parseJsonBody(bytes: ArrayBuffer | Uint8Array, field = 'body'): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw InvalidInputError.fromFields([{ field, message: 'is not valid UTF-8' }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw InvalidInputError.fromFields([{ field, message: 'is not JSON' }]);
  }
  if (hasLoneSurrogate(value)) {
    throw InvalidInputError.fromFields([{ field, message: 'has text with an unpaired UTF-16 surrogate' }]);
  }
  return value;
}

function hasLoneSurrogate(root: unknown): boolean {
  // Iterative: a deeply nested body must not overflow the stack.
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (Array.isArray(value)) {
      pending.push(...(value as unknown[]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}
