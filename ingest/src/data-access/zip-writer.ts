import { promisify } from 'node:util';
import { constants, crc32, deflateRaw } from 'node:zlib';

const deflate = promisify(deflateRaw);

/**
 * A ZIP written entry by entry, for streaming: each call returns the bytes to send now, and only
 * the central directory's small per-entry records are kept until `finish`. An entry is one hour of
 * one stream (or one audio file), so it is built whole and its CRC and sizes go in the local
 * header; no data descriptors are needed. ZIP64 records are added only when offsets or the entry
 * count outgrow the classic format (a large study's export passes 4 GB).
 */
export type ZipMethod = 'store' | 'deflate';

type Written = {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  dos: number;
  method: number;
};

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const UTF8_FLAG = 0x0800;

export type ZipWriter = {
  /** The local header and data of one entry; one entry at a time (each is placed where the last ended). */
  entry(name: string, data: Buffer, modified: Date): Promise<Buffer[]>;
  /** The central directory and end records. */
  finish(): Buffer;
  readonly bytesWritten: number;
  readonly entries: number;
};

export function createZipWriter(method: ZipMethod = 'store'): ZipWriter {
  const written: Written[] = [];
  let offset = 0;
  return {
    get bytesWritten() {
      return offset;
    },
    get entries() {
      return written.length;
    },
    async entry(name, data, modified) {
      const nameBytes = Buffer.from(name, 'utf8');
      // In the thread pool, off the event loop (an hour of accelerometer takes tens of ms), and at
      // the fastest level: level 6 costs about three times the CPU for files an eighth smaller.
      const body = method === 'deflate' ? await deflate(data, { level: constants.Z_BEST_SPEED }) : data;
      const record: Written = {
        name: nameBytes,
        crc: crc32(data),
        compressed: body.length,
        size: data.length,
        offset,
        dos: dosDateTime(modified),
        method: method === 'deflate' ? 8 : 0,
      };
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(UTF8_FLAG, 6);
      header.writeUInt16LE(record.method, 8);
      header.writeUInt32LE(record.dos, 10);
      header.writeUInt32LE(record.crc, 14);
      header.writeUInt32LE(record.compressed, 18);
      header.writeUInt32LE(record.size, 22);
      header.writeUInt16LE(nameBytes.length, 26);
      header.writeUInt16LE(0, 28);
      written.push(record);
      offset += header.length + nameBytes.length + body.length;
      return [header, nameBytes, body];
    },
    finish() {
      const parts: Buffer[] = [];
      const directoryStart = offset;
      for (const w of written) parts.push(centralRecord(w));
      const directorySize = parts.reduce((a, p) => a + p.length, 0);
      const zip64 = written.length >= MAX16 || directoryStart >= MAX32 || directorySize >= MAX32;
      if (zip64) parts.push(zip64End(written.length, directorySize, directoryStart, directoryStart + directorySize));
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(zip64 ? MAX16 : written.length, 8);
      end.writeUInt16LE(zip64 ? MAX16 : written.length, 10);
      end.writeUInt32LE(zip64 ? MAX32 : directorySize, 12);
      end.writeUInt32LE(zip64 ? MAX32 : directoryStart, 16);
      parts.push(end);
      const out = Buffer.concat(parts);
      offset += out.length;
      return out;
    },
  };
}

function centralRecord(w: Written): Buffer {
  // Entries are built whole in memory, so only the offset can pass 4 GB.
  const farOffset = w.offset >= MAX32;
  const extra = farOffset ? Buffer.alloc(12) : Buffer.alloc(0);
  if (farOffset) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(8, 2);
    extra.writeBigUInt64LE(BigInt(w.offset), 4);
  }
  const r = Buffer.alloc(46);
  r.writeUInt32LE(0x02014b50, 0);
  r.writeUInt16LE((3 << 8) | 45, 4);
  r.writeUInt16LE(farOffset ? 45 : 20, 6);
  r.writeUInt16LE(UTF8_FLAG, 8);
  r.writeUInt16LE(w.method, 10);
  r.writeUInt32LE(w.dos, 12);
  r.writeUInt32LE(w.crc, 16);
  r.writeUInt32LE(w.compressed, 20);
  r.writeUInt32LE(w.size, 24);
  r.writeUInt16LE(w.name.length, 28);
  r.writeUInt16LE(extra.length, 30);
  // Regular file, rw-r--r--, so unzip on Unix gives readable files.
  r.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  r.writeUInt32LE(farOffset ? MAX32 : w.offset, 42);
  return Buffer.concat([r, w.name, extra]);
}

function zip64End(count: number, size: number, start: number, recordAt: number): Buffer {
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(start), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(recordAt), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator]);
}

/** MS-DOS date and time (UTC fields; the format has no zone), clamped to its 1980 epoch. */
function dosDateTime(d: Date): number {
  const year = Math.max(1980, d.getUTCFullYear());
  const date = ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  return ((date << 16) | time) >>> 0;
}
