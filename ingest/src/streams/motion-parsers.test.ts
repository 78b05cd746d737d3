import { describe, expect, it } from 'vitest';
import { accelerometer, gyro, magnetometer } from './motion-parsers.ts';
import { createRowWriter, type ParseContext } from './rows.ts';

const ctx = (os: 1 | 2): ParseContext => ({
  participantId: 7,
  os,
  fileTime: new Date('2026-11-22T00:00:00Z'),
  fileStampMs: Date.parse('2026-11-22T00:00:00Z'),
  surveyId: undefined,
  uploadId: 1,
  extension: 'csv',
  now: new Date('2026-11-23T00:00:00Z'),
});

const parse = (parser: typeof accelerometer, os: 1 | 2, lines: readonly string[]) => {
  const w = createRowWriter(ctx(os));
  parser(lines.join('\n'), ctx(os), w);
  const out = w.finish();
  return { ...out, tsv: Buffer.concat(out.chunks).toString('utf8').split('\n').slice(0, -1) };
};

describe('motion parsers', () => {
  it('writes each Android accelerometer row as the float sent, with the OS and accuracy, and its magnitude', () => {
    const out = parse(accelerometer, 1, [
      'timestamp,accuracy,x,y,z',
      '1763769600000,unknown,0.5,-1.25,9.75',
      '1763769600100, 3 , 1e-3 ,2,3',
      '1763769600200,3,-0.6849803328514099,-0.0000000000000000,0.0000000000000000',
    ]);
    // Android's values are floats, loaded as nine digits the server rounds back to the float: the
    // phone's own digits cut where they can be, else printed; -0 as \N (catalog.ts).
    expect(out.tsv).toEqual([
      '1763769600000\t1\t\\N\t0.5\t-1.25\t9.75',
      '1763769600100\t1\t3\t0.00100000005\t2\t3',
      '1763769600200\t1\t3\t-0.684980332\t\\N\t0',
    ]);
    expect(out.rejected).toBe(0);
    const minute = out.minutes!.get(1763769600000)!;
    expect(minute.n).toBe(3);
    expect(minute.max).toBeCloseTo(Math.hypot(0.5, -1.25, 9.75), 6);
  });

  it('rejects a row whose time, value or accuracy is not what a phone writes, and keeps the rest', () => {
    const out = parse(accelerometer, 1, [
      'timestamp,accuracy,x,y,z',
      '1763769600000,2,1,2,3',
      'soon,2,1,2,3',
      '1763769600100,2,,2,3',
      '1763769600200,2,one,2,3',
      '1763769600300,7,1,2,3',
      '1763769600400,2,Infinity,2,3',
      '1763769600500,2,1\t,2,3',
      '1763769600600.5,2,1,2,3',
      '1763769600700,2,1,2',
    ]);
    expect(out.rows).toBe(2);
    expect(out.tsv).toEqual(['1763769600000\t1\t2\t1\t2\t3', '1763769600500\t1\t2\t1.00000000\t2\t3']);
    expect(out.rejected).toBe(7);
  });

  it('takes iOS accelerometer rows (no accuracy column, in g) and magnetometer rows (no OS column)', () => {
    const ios = parse(accelerometer, 2, ['timestamp,x,y,z', '1763769600000,0.0,-0.0,-1.0']);
    expect(ios.tsv).toEqual(['1763769600000\t2\t\\N\t0\t-5e-324\t-1']);
    expect(ios.minutes!.get(1763769600000)!.sum).toBeCloseTo(9.80665, 5);
    const mag = parse(magnetometer, 2, ['timestamp,x,y,z', '1763769600000,10,20,30']);
    expect(mag.tsv).toEqual(['1763769600000\t10\t20\t30']);
    // iOS doubles are kept whole; Android's gyro is a float (0.1 is no float: printed as the nearest one).
    const iosGyro = parse(gyro, 2, ['timestamp,x,y,z', '1763769600000,0.1,0.2,0.30000000000000004']);
    expect(iosGyro.tsv).toEqual(['1763769600000\t2\t\\N\t0.1\t0.2\t0.30000000000000004']);
    const gyroRows = parse(gyro, 1, ['timestamp,accuracy,x,y,z', '1763769600000,1,0.1,0.2,0.3']);
    expect(gyroRows.tsv).toEqual(['1763769600000\t1\t1\t0.100000001\t0.200000003\t0.300000012']);
  });

  it('rejects every row of a file whose header lacks a column', () => {
    const out = parse(accelerometer, 1, ['timestamp,accuracy,x,y', '1763769600000,2,1,2']);
    expect(out.rows).toBe(0);
    expect(out.rejected).toBe(1);
  });
});
