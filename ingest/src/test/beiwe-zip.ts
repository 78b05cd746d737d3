import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tests' ZIP reader: Python's zipfile (an independent implementation, and what researchers' own
 * scripts use), which also checks every entry's CRC.
 */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-zip-'));
  try {
    const file = join(dir, 'data.zip');
    writeFileSync(file, zip);
    const script = [
      'import base64, json, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'print(json.dumps([[i.filename, base64.b64encode(z.read(i)).decode()] for i in z.infolist()]))',
    ].join('\n');
    const out = execFileSync('python3', ['-c', script, file], { maxBuffer: 1 << 30 }).toString();
    return new Map((JSON.parse(out) as [string, string][]).map(([n, b]) => [n, Buffer.from(b, 'base64')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A form post as Beiwe's reference scripts send it (urlencoded, lists as JSON). */
export function beiweForm(fields: Record<string, string | undefined>): RequestInit {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.append(k, v);
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() };
}
