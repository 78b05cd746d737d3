import type { Knex } from 'knex';
import { createFeatureProcessor } from '../features/processor.ts';
import { addDays, dayWindow } from '../features/local-time.ts';
import { createStreamProcessor } from '../streams/processor.ts';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';
import type { Upload } from '../uploads/store.ts';
import { queuedUpload } from './factories.ts';

/**
 * Weeks of an Android participant's life in the plaintext files the phone uploads, for dashboards
 * and benches that need features with a baseline: GPS at Beiwe's default duty cycle (two fixes every
 * 11 minutes) with home at night, work 3 km north on weekdays and an outing on Saturdays; calls (a
 * missed one every other day), texts, an evening survey, and an evening walk (accelerometer). Varied from day to day so a baseline
 * has a spread.
 */
export type PlainFile = { stream: string; fileName: string; fileMs: number; text: string };

const KM = 180 / (Math.PI * 6371);
const HOME = { lat: 48.85, lon: 2.35 };
const MIN = 60_000;

export function behaviourFiles(timeZone: string, firstDay: string, days: number): PlainFile[] {
  const files: PlainFile[] = [];
  for (let i = 0; i < days; i++) {
    const day = addDays(firstDay, i);
    const { start, end } = dayWindow(day, timeZone);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    const where = (minute: number) => {
      if (weekday >= 1 && weekday <= 5) {
        const leave = 8 * 60 + (i % 3) * 20;
        const back = 17 * 60 + (i % 4) * 30;
        if (minute >= leave + 30 && minute < back) return { lat: HOME.lat + 3 * KM, lon: HOME.lon };
        if (minute >= leave && minute < leave + 30)
          return { lat: HOME.lat + (3 * KM * (minute - leave)) / 30, lon: HOME.lon };
        if (minute >= back && minute < back + 30)
          return { lat: HOME.lat + 3 * KM * (1 - (minute - back) / 30), lon: HOME.lon };
      }
      if (weekday === 6 && minute >= 14 * 60 && minute < 17 * 60)
        return { lat: HOME.lat, lon: HOME.lon + (1 + (i % 3)) * KM * 1.5 };
      return HOME;
    };
    const gps = ['timestamp,latitude,longitude,altitude,accuracy'];
    for (let minute = 0; start + minute * MIN < end; minute += 11) {
      for (const m of [minute, minute + 1]) {
        const t = start + m * MIN + 5_000;
        if (t >= end) continue;
        const p = where(m);
        gps.push(`${t},${p.lat + ((m * 7919) % 11) * 1e-6},${p.lon},35,${8 + (m % 5)}`);
      }
    }
    files.push({ stream: 'gps', fileName: `x_gps_${start}.csv`, fileMs: start, text: gps.join('\n') });
    const calls = ['hashed phone number,call type,timestamp,duration in seconds'];
    for (let c = 0; c < 1 + (i % 4); c++)
      calls.push(`contact${c},Incoming Call,${start + (10 + c) * 3_600_000},${60 + 30 * c}`);
    if (i % 2 === 1) calls.push(`contact9,Missed Call,${start + 19 * 3_600_000},0`);
    files.push({
      stream: 'calls',
      fileName: `x_callLog_${start + 3_600_000}.csv`,
      fileMs: start + 3_600_000,
      text: calls.join('\n'),
    });
    const texts = ['timestamp,hashed phone number,sent vs received,message length,time sent'];
    for (let x = 0; x < 2 + (i % 3); x++)
      texts.push(`${start + (12 + x) * 3_600_000},contact${x + 4},sent SMS,${20 + x}`);
    files.push({
      stream: 'texts',
      fileName: `x_textsLog_${start + 7_200_000}.csv`,
      fileMs: start + 7_200_000,
      text: texts.join('\n'),
    });
    const opened = start + 20 * 3_600_000;
    files.push({
      stream: 'survey_timings',
      fileName: `x_surveyTimings_daily_${opened}.csv`,
      fileMs: opened,
      text: [
        'timestamp,question id,question type,question text,question answer options,answer',
        `${opened},Survey first rendered and displayed to user`,
        `${opened + (30 + (i % 5) * 10) * 1000},User hit submit`,
      ].join('\n'),
    });
    const walk = start + 18 * 3_600_000;
    files.push({
      stream: 'accelerometer',
      fileName: `x_accel_${walk}.csv`,
      fileMs: walk,
      text: walkingFile(walk, 6 + (i % 5), 1.6 + (i % 4) * 0.1),
    });
  }
  return files;
}

/**
 * An Android phone in a pocket (m/s², 10 Hz) under Beiwe's default duty cycle (10 s on, 10 s off),
 * walking for `minutes` at `stepHz` steps per second: a 0.4 g vertical bounce on gravity.
 */
function walkingFile(fromMs: number, minutes: number, stepHz: number): string {
  const G = 9.80665;
  const lines = ['timestamp,accuracy,x,y,z'];
  for (let run = fromMs; run < fromMs + minutes * MIN; run += 20_000) {
    for (let i = 0; i < 100; i++) {
      const t = run + i * 100;
      const z = 1 + 0.4 * Math.sin((2 * Math.PI * stepHz * (t - fromMs)) / 1000);
      lines.push(`${t},3,${(0.01 * G).toFixed(5)},0,${(z * G).toFixed(5)}`);
    }
  }
  return lines.join('\n');
}

/**
 * Runs plaintext files through the worker's processors (streams, then features), a day's files a
 * transaction, each the day after its data as a phone uploading daily would: a batch computes the
 * days the one before marked. The last day stays marked.
 */
export async function processPlainFiles(
  db: Knex,
  participantId: number,
  files: readonly PlainFile[],
  now: Date
): Promise<void> {
  let at = now;
  const clock = () => at;
  const processors = [
    createStreamProcessor({ clock, settingsFor: currentDeviceSettings }),
    createFeatureProcessor({ clock }),
  ];
  const items = files.map((f, i) => ({
    upload: uploadOf(participantId, f, -1 - i, now),
    plaintext: Buffer.from(f.text),
  }));
  for (let i = 0; i < items.length; i += FILES_A_DAY) {
    const batch = items.slice(i, i + FILES_A_DAY);
    at = new Date(batch[0]!.upload.fileTime.getTime() + 86_400_000);
    await db.transaction(async (trx) => {
      for (const processor of processors) await processor({ trx, items: batch });
    });
  }
}

const FILES_A_DAY = 5;

function uploadOf(participantId: number, f: PlainFile, id: number, now: Date): Upload {
  return queuedUpload({
    id,
    participantId,
    fileName: f.fileName,
    stream: f.stream,
    fileTime: new Date(f.fileMs),
    osType: 'ANDROID',
    receivedAt: now,
    sizeBytes: f.text.length,
  });
}
