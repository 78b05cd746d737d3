import { forEachRow, headerColumns, integerMs, shortHash, type ParseContext, type RowWriter } from './rows.ts';

/** Survey, identity and audio streams: rows timed by the file (spec §4.2, §5.2–5.3). */

const IDENTIFIER_COLUMNS = 12;
const MODEL_INDEX = 10;

/**
 * The record written at registration: `patient_id,MAC,phone_number,…,model,beiwe_version`, one row.
 * Values are raw (Beiwe does not quote them) and iOS model strings hold a comma (`iPhone14,2`), so
 * extra cells are given back to `model`.
 */
export function identifiers(text: string, ctx: ParseContext, w: RowWriter): void {
  forEachRow(text, (line) => {
    const cells = line.split(',');
    if (cells.length < IDENTIFIER_COLUMNS) return w.reject();
    const extra = cells.length - IDENTIFIER_COLUMNS;
    const model = cells.slice(MODEL_INDEX, MODEL_INDEX + extra + 1).join(',');
    const fixed = [...cells.slice(1, MODEL_INDEX), model, cells[cells.length - 1]!];
    w.row(
      ctx.fileTime.getTime(),
      fixed.map((c) => c.slice(0, 100))
    );
  });
}

/** `question id,question type,question text,question answer options,answer`, sanitised by the apps (no commas). */
export function surveyAnswers(text: string, ctx: ParseContext, w: RowWriter): void {
  let index = 0;
  forEachRow(text, (line) => {
    const cells = line.split(',');
    const position = index++;
    if (!ctx.surveyId || cells.length !== 5) return w.reject();
    const [id, type, questionText, options, answer] = cells as [string, string, string, string, string];
    w.row(ctx.fileTime.getTime(), [
      ctx.surveyId,
      position,
      id.slice(0, 100),
      type.slice(0, 60),
      questionText,
      options,
      answer,
    ]);
  });
}

/**
 * Android: `timestamp,question id,question type,question text,question answer options,answer`, plus
 * bare `ts,<event>` rows ("Survey first rendered…", "User hit submit"), kept as events. iOS adds
 * an `event` column (present/changed/unpresent/submitted).
 */
export function surveyTimings(text: string, ctx: ParseContext, w: RowWriter): void {
  const hasEvent = headerColumns(forEachRow(text, () => undefined)).includes('event');
  forEachRow(text, (line) => {
    const cells = line.split(',');
    if (!ctx.surveyId) return w.reject();
    const ms = integerMs(cells[0]);
    const hash = shortHash(line);
    if (cells.length === 2) return w.row(ms, [ctx.surveyId, hash, '', '', '', '', '', cells[1]!.slice(0, 100)]);
    if (cells.length !== (hasEvent ? 7 : 6)) return w.reject();
    const [, id, type, questionText, options, answer, event] = cells as string[];
    w.row(ms, [
      ctx.surveyId,
      hash,
      id!.slice(0, 100),
      type!.slice(0, 60),
      questionText!,
      options!,
      answer!,
      event?.slice(0, 100) ?? null,
    ]);
  });
}

/** Voice recordings: one row per file; the audio itself stays in the archive. */
export function audioRecording(plaintext: Buffer, ctx: ParseContext, w: RowWriter): void {
  if (!ctx.surveyId || plaintext.length === 0) return w.reject();
  w.row(ctx.fileTime.getTime(), [ctx.surveyId, ctx.uploadId, ctx.extension, plaintext.length]);
}

export function ambientAudio(plaintext: Buffer, ctx: ParseContext, w: RowWriter): void {
  if (plaintext.length === 0) return w.reject();
  w.row(ctx.fileTime.getTime(), [ctx.uploadId, ctx.extension, plaintext.length]);
}
