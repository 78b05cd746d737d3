import { forEachRow, headerColumns, integerMs, numeric, shortHash, type ParseContext, type RowWriter } from './rows.ts';

/** Event and log streams (spec §4.2, with the §5.2 fixes applied to rows rather than chunk files). */

/** Android calls: `hashed phone number,call type,timestamp,duration in seconds` — the time is column 3. */
export function calls(text: string, _ctx: ParseContext, w: RowWriter): void {
  forEachRow(text, (line) => {
    const [hash, type, ts, duration] = line.split(',');
    const seconds = duration?.trim() ?? '';
    if (hash === undefined || !type || !/^\d+$/.test(seconds)) return w.reject();
    w.row(integerMs(ts), [hash, type, Number(seconds)]);
  });
}

/**
 * Android texts: `timestamp,hashed phone number,sent vs received,message length,time sent`, in four
 * shapes — sent SMS `ts,hash,sent SMS,len`; received SMS `ts,hash,received SMS,len,sms ts`; received
 * MMS `ts,hash,received MMS,` and sent MMS `ts,,sent MMS,MMS` (no length).
 */
export function texts(text: string, _ctx: ParseContext, w: RowWriter): void {
  forEachRow(text, (line) => {
    const [ts, hash = '', direction, length = '', sent = ''] = line.split(',');
    if (!direction || !/^(sent|received) (SMS|MMS)$/.test(direction)) return w.reject();
    const messageLength = /^\d+$/.test(length) ? Number(length) : null;
    const timeSent = /^\d{10,16}$/.test(sent) ? sent : null;
    w.row(integerMs(ts), [hash, direction, messageLength, timeSent]);
  });
}

/** Android `timestamp, event`; iOS `timestamp,event,level` (battery 0–1, −1 unknown). */
export function powerState(text: string, ctx: ParseContext, w: RowWriter): void {
  const withLevel = headerColumns(forEachRow(text, () => undefined)).includes('level');
  forEachRow(text, (line) => {
    const comma = line.indexOf(',');
    if (comma < 0) return w.reject();
    let event = line.slice(comma + 1).trim();
    let level: string | null = null;
    if (withLevel) {
      const last = event.lastIndexOf(',');
      level = numeric(event.slice(last + 1)) ?? null;
      if (last < 0 || level === null) return w.reject();
      event = event.slice(0, last);
      if (Number(level) < 0) level = null;
    }
    if (event === '') return w.reject();
    w.row(integerMs(line.slice(0, comma)), [ctx.os, event.slice(0, 120), level]);
  });
}

/**
 * Android Wi-Fi: `hashed MAC, frequency, RSSI` with no time column; a file is one scan, timed by
 * its name. Beiwe prepends that time to every row but the last and then drops the last row (a
 * live bug, spec §5.2): every row is kept here.
 */
export function wifi(text: string, ctx: ParseContext, w: RowWriter): void {
  forEachRow(text, (line) => {
    const [mac, frequency, rssi] = line.split(',').map((c) => c.trim());
    if (!mac || !/^\d+$/.test(frequency ?? '') || !/^-?\d+$/.test(rssi ?? '')) return w.reject();
    w.row(ctx.fileTime.getTime(), [mac, Number(frequency), Number(rssi)]);
  });
}

/** Android `timestamp, hashed MAC, RSSI`. */
export function bluetooth(text: string, _ctx: ParseContext, w: RowWriter): void {
  forEachRow(text, (line) => {
    const [ts, mac, rssi] = line.split(',').map((c) => c.trim());
    if (!mac || !/^-?\d+$/.test(rssi ?? '')) return w.reject();
    w.row(integerMs(ts), [mac, Number(rssi)]);
  });
}

/** iOS `timestamp,event` (proximity: NearUser/NotNearUser; reachability: wifi/cellular/unreachable). */
export function timedEvent(text: string, _ctx: ParseContext, w: RowWriter): void {
  forEachRow(text, (line) => {
    const comma = line.indexOf(',');
    const event = line.slice(comma + 1).trim();
    if (comma < 0 || event === '') return w.reject();
    w.row(integerMs(line.slice(0, comma)), [event.slice(0, 40)]);
  });
}

/**
 * Android app log: the header is `THIS LINE IS A LOG FILE HEADER`, rows `ms,free text`. A line
 * without a time of its own (a wrapped message) takes the previous row's, as Beiwe's fix does;
 * before any, the file's. Each row also keeps its file's time, its line number and whether it was
 * wrapped, and the header is kept as line 0 at the file's time: from these the export rebuilds
 * Beiwe's text, which lists every log file (see data-access/app-log-chunks.ts).
 */
export function appLog(text: string, ctx: ParseContext, w: RowWriter): void {
  const fileMs = ctx.fileStampMs;
  let last = ctx.fileTime.getTime();
  let lineNo = 0;
  const header = forEachRow(text, (line) => {
    lineNo++;
    const comma = line.indexOf(',');
    const ms = comma > 0 ? integerMs(line.slice(0, comma)) : NaN;
    const wrapped = Number.isNaN(ms);
    const message = wrapped ? line : line.slice(comma + 1);
    if (!wrapped) last = ms;
    w.row(last, [shortHash(message), message, fileMs, lineNo, wrapped ? 1 : 0]);
  });
  if (text.length > 0) w.row(fileMs, [shortHash(header), header, fileMs, 0, 0]);
}

/**
 * iOS log: `timestamp,launchId,memory,battery,event,msg,d1,d2,d3,d4`. The message is free text and
 * may hold commas, so the four detail columns are taken from the end.
 */
export function iosLog(text: string, _ctx: ParseContext, w: RowWriter): void {
  forEachRow(text, (line) => {
    const cells = line.split(',');
    if (cells.length < 10) return w.reject();
    const [ts, launchId = '', memory, battery, event = ''] = cells;
    const details = cells.slice(-4);
    const msg = cells.slice(5, cells.length - 4).join(',');
    w.row(integerMs(ts), [
      shortHash(line),
      launchId.slice(0, 100),
      numeric(memory) ?? null,
      numeric(battery) ?? null,
      event.slice(0, 200),
      msg,
      ...details.map((d) => d.slice(0, 200)),
    ]);
  });
}
