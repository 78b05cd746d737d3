import { describe, expect, it } from 'vitest';
import { createZipWriter } from './zip-writer.ts';
import { unzip } from '../test/beiwe-zip.ts';

describe('the streaming ZIP writer', () => {
  for (const method of ['store', 'deflate'] as const) {
    it(`${method}: what is written reads back entry for entry`, async () => {
      const zip = createZipWriter(method);
      const entries: [string, Buffer][] = [
        ['ab12cd34/gps/2026-11-20 09_00_00+00_00.csv', Buffer.from('timestamp,UTC time,x\n1,2,3')],
        ['ab12cd34/empty.csv', Buffer.alloc(0)],
        ['ünïcode/名前.csv', Buffer.from('a'.repeat(100_000))],
      ];
      const parts: Buffer[] = [];
      for (const [n, d] of entries) parts.push(...(await zip.entry(n, d, new Date('2026-11-20T09:00:00Z'))));
      parts.push(zip.finish());
      const bytes = Buffer.concat(parts);
      expect(zip.bytesWritten).toBe(bytes.length);
      expect(zip.entries).toBe(3);
      const read = unzip(bytes);
      expect([...read.keys()]).toEqual(entries.map(([n]) => n));
      for (const [n, d] of entries) expect(read.get(n)?.equals(d), n).toBe(true);
      if (method === 'deflate') expect(bytes.length).toBeLessThan(10_000);
    });
  }

  it('switches to ZIP64 end records past 65,534 entries', async () => {
    const zip = createZipWriter('store');
    const parts: Buffer[] = [];
    for (let i = 0; i < 70_000; i++) parts.push(...(await zip.entry(`f${i}`, Buffer.from(String(i)), new Date(0))));
    parts.push(zip.finish());
    const read = unzip(Buffer.concat(parts));
    expect(read.size).toBe(70_000);
    expect(read.get('f69999')?.toString()).toBe('69999');
  }, 30_000);
});
