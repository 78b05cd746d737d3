import { InvalidInputError } from '../errors.ts';

export type PlistValue = string | number | boolean;

/**
 * A flat XML property list (what Firebase's GoogleService-Info.plist is) as the object Beiwe's
 * backend returns from `plistlib.loads`: keys to strings, integers, reals and booleans. Nested
 * containers and data/date values are refused: the Firebase file has none, and the iOS app reads
 * only flat string and boolean keys.
 */
export function parseFlatPlist(xml: string): Record<string, PlistValue> {
  const body = /<plist[^>]*>\s*<dict>([\s\S]*)<\/dict>\s*<\/plist>\s*$/.exec(xml.trim())?.[1];
  if (body === undefined) throw new InvalidInputError('iosPlist: expected an XML property list with one <dict>');
  const result: Record<string, PlistValue> = {};
  const entry =
    /\s*<key>([^<]*)<\/key>\s*(?:<(string|integer|real)>([^<]*)<\/\2>|<(string|integer|real)\/>|<(true|false)\/>)/y;
  let at = 0;
  while (body.slice(at).trim() !== '') {
    entry.lastIndex = at;
    const m = entry.exec(body);
    if (!m)
      throw new InvalidInputError(
        `iosPlist: unexpected content near ${JSON.stringify(body.slice(at, at + 40).trim())}`
      );
    const key = unescapeXml(m[1]!);
    if (m[5] !== undefined) result[key] = m[5] === 'true';
    else {
      const type = m[2] ?? m[4]!;
      const text = unescapeXml(m[3] ?? '');
      result[key] = type === 'string' ? text : Number(text);
    }
    at = entry.lastIndex;
  }
  return result;
}

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
