import { swiftFloat } from './number-format.ts';
import type { Prng } from './prng.ts';
import type { StreamContext } from './stream-context.ts';
import type { TimedRows } from './timeline.ts';
import { emptyRows, eventTimes, mergeRows, onPeriods } from './timeline.ts';

/** Event-driven streams (specs/beiwe-protocol.md §4.2). Rows are comma-joined with no quoting. */

/** Android callLog: `hashed phone number,call type,timestamp,duration in seconds`: the time is column 3. */
export function callRows(ctx: StreamContext): TimedRows {
  const out = emptyRows();
  for (const t of eventTimes(ctx.from, ctx.to, 1.5, ctx.random)) {
    const type = ctx.random.pick(['Outgoing Call', 'Incoming Call', 'Incoming Call', 'Missed Call'] as const);
    const duration = type === 'Missed Call' ? 0 : ctx.random.int(5, 900);
    out.times.push(t);
    out.rows.push(`${ctx.hasher.hashPhoneNumber(ctx.random.pick(ctx.contacts))},${type},${t},${duration}`);
  }
  return out;
}

/** Android textsLog, in its four row shapes (SmsSentLogger, SmsReceivedLogger, MMSSentLogger). */
export function textRows(ctx: StreamContext): TimedRows {
  const out = emptyRows();
  for (const t of eventTimes(ctx.from, ctx.to, 3, ctx.random)) {
    const hash = ctx.hasher.hashPhoneNumber(ctx.random.pick(ctx.contacts));
    const length = ctx.random.int(1, 300);
    const shape = ctx.random.int(0, 9);
    let row: string;
    if (shape < 4) row = `${t},${hash},sent SMS,${length}`;
    else if (shape < 8) row = `${t},${hash},received SMS,${length},${t - ctx.random.int(200, 8000)}`;
    else if (shape < 9) row = `${t},${hash},received MMS,`;
    else row = `${t},,sent MMS,MMS`;
    out.times.push(t);
    out.rows.push(row);
  }
  return out;
}

const ANDROID_POWER_EVENTS = [
  ['Power connected', 'Power disconnected'],
  [
    'Power Save Mode state change signal received; device in power save state.',
    'Power Save Mode change signal received; device not in power save state.',
  ],
  [
    'Device Idle (Doze) state change signal received; device in idle state.',
    'Device Idle (Doze) state change signal received; device not in idle state.',
  ],
] as const;

/** Android `timestamp, event`; iOS `timestamp,event,level` with the battery level as a Swift Float. */
export function powerStateRows(ctx: StreamContext): TimedRows {
  const { random } = ctx;
  const screen = emptyRows();
  let locked = true;
  let level = random.between(0.4, 0.95);
  for (const t of eventTimes(ctx.from, ctx.to, 6, random)) {
    locked = !locked;
    level = Math.max(0.05, level - random.between(0, 0.02));
    screen.times.push(t);
    if (ctx.os === 'android') screen.rows.push(`${t},${locked ? 'Screen turned off' : 'Screen turned on'}`);
    else screen.rows.push(`${t},${locked ? 'Locked' : 'Unlocked'},${batteryLevel(level)}`);
  }
  const other = emptyRows();
  for (const [on, off] of episodes(ctx, 0.5, 60_000, 1_800_000)) {
    other.times.push(on, off);
    if (ctx.os === 'android') {
      const [start, stop] = random.pick(ANDROID_POWER_EVENTS);
      other.rows.push(`${on},${start}`, `${off},${stop}`);
    } else {
      other.rows.push(
        `${on},Charging,${batteryLevel(level)}`,
        `${off},${random.chance(0.2) ? 'Full' : 'Unplugged'},${batteryLevel(level + 0.1)}`
      );
    }
  }
  return clip(mergeRows([screen, other]), ctx.to);
}

/** Android wifi: one scan per interval; the scan's rows, each followed by `\n`, form one encrypted line. */
export function wifiScans(ctx: StreamContext): { time: number; line: string }[] {
  const { random } = ctx;
  const accessPoints = Array.from({ length: 12 }, () => ({
    bssid: macAddress(random).toLowerCase(),
    frequency: random.chance(0.5) ? random.pick([2412, 2437, 2462]) : random.pick([5180, 5240, 5500, 5745]),
    rssi: random.int(-88, -35),
  }));
  const scans: { time: number; line: string }[] = [];
  for (let t = ctx.from + random.int(500, 5000); t < ctx.to; t += ctx.settings.wifiLogSeconds * 1000) {
    let line = '';
    for (const ap of accessPoints) {
      if (!random.chance(0.6)) continue;
      line += `${ctx.hasher.hashMac(ap.bssid)},${ap.frequency},${ap.rssi + random.int(-4, 4)}\n`;
    }
    scans.push({ time: Math.floor(t), line });
  }
  return scans;
}

/** Android `timestamp, hashed MAC, RSSI`, while Bluetooth scanning is on. */
export function bluetoothRows(ctx: StreamContext): TimedRows {
  const { random, settings } = ctx;
  const devices = Array.from({ length: 6 }, () => macAddress(random));
  const out = emptyRows();
  const offSeconds = Math.max(0, settings.bluetooth.totalSeconds - settings.bluetooth.onSeconds);
  for (const [start, end] of onPeriods(ctx.from, ctx.to, settings.bluetooth.onSeconds, offSeconds)) {
    for (const device of devices) {
      if (!random.chance(0.5)) continue;
      for (let i = random.int(1, 3); i > 0; i--) {
        const t = Math.floor(random.between(start, end));
        out.rows.push(`${t},${ctx.hasher.hashMac(device)},${random.int(-95, -40)}`);
      }
    }
  }
  return sortedByLeadingTime(out);
}

/** iOS `timestamp,event`: NearUser / NotNearUser around phone calls. */
export function proximityRows(ctx: StreamContext): TimedRows {
  const out = emptyRows();
  for (const [near, back] of episodes(ctx, 1, 20_000, 600_000)) {
    out.times.push(near, back);
    out.rows.push(`${near},NearUser`, `${back},NotNearUser`);
  }
  return clip(out, ctx.to);
}

/** iOS `timestamp,event`: written on the first run and whenever wifi/cellular flips. */
export function reachabilityRows(ctx: StreamContext): TimedRows {
  const out = emptyRows();
  let cellular = ctx.random.chance(0.3);
  const times = [ctx.from + ctx.random.int(100, 3000), ...eventTimes(ctx.from, ctx.to, 0.7, ctx.random)];
  for (const t of times) {
    out.times.push(t);
    out.rows.push(`${t},${cellular ? 'cellular' : 'wifi'}`);
    cellular = !cellular;
  }
  return sortedByLeadingTime(out);
}

const APP_LOG_MESSAGES = [
  'wifi is not available for scanning at this time.',
  'onTrimMemory called.',
  'manually restarting background service',
  'user has not provided permission for Bluetooth.',
  'AmbientAudioListener.startRecording()',
  // A message over several lines: its continuation lines carry no time. Beiwe's fix_app_log_file
  // drops the `accelSensorManager` one as known noise and keeps the other as written.
  'accelerometer could not be registered\naccelSensorManager was null\n\tat org.beiwe.app.listeners.AccelerometerListener.turn_on',
];

/** Android logFile: `ms,free text` (TextFileManager.writeDebugLogStatement); a message may span lines. */
export function appLogRows(ctx: StreamContext): TimedRows {
  const out = emptyRows();
  for (const t of eventTimes(ctx.from, ctx.to, 2, ctx.random)) {
    out.times.push(t);
    out.rows.push(`${t},${ctx.random.pick(APP_LOG_MESSAGES)}`);
  }
  return out;
}

/** Swift `String(UIDevice.current.batteryLevel)`: a Float in 1 % steps. */
export function batteryLevel(level: number): string {
  return swiftFloat(Math.min(1, Math.round(level * 100) / 100));
}

/** The people a phone calls and texts, formatted the messy way a call log stores them. */
export function phoneBook(random: Prng): string[] {
  return Array.from(
    { length: 8 },
    () => `+1 (${random.int(201, 989)}) ${random.int(200, 999)}-${random.int(1000, 9999)}`
  );
}

function macAddress(random: Prng): string {
  return Array.from({ length: 6 }, () => random.int(0, 255).toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** Non-overlapping [start, end) episodes (a call, a charge) starting about `perHour` times an hour. */
function episodes(ctx: StreamContext, perHour: number, minMs: number, maxMs: number): [number, number][] {
  const out: [number, number][] = [];
  let busyUntil = -Infinity;
  for (const t of eventTimes(ctx.from, ctx.to, perHour, ctx.random)) {
    if (t < busyUntil) continue;
    busyUntil = t + ctx.random.int(minMs, maxMs);
    out.push([t, busyUntil]);
  }
  return out;
}

function clip(rows: TimedRows, to: number): TimedRows {
  const keep = rows.times.findIndex((t) => t >= to);
  return keep === -1 ? rows : { times: rows.times.slice(0, keep), rows: rows.rows.slice(0, keep) };
}

function sortedByLeadingTime(rows: TimedRows): TimedRows {
  const times = rows.rows.map((row) => Number(row.slice(0, row.indexOf(','))));
  return mergeRows([{ times, rows: rows.rows }]);
}
