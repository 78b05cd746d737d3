import type { Connection, FieldPacket, RowDataPacket } from 'mysql2/promise';
import type { Fill } from './macros.ts';

/**
 * Runs expanded SQL on a connection whose session time zone is +00:00 (the provisioned
 * `jsonData.timezone`) and classifies the columns as Grafana's MySQL type converters do (§4.10).
 */

export type ColumnKind = 'number' | 'time' | 'string';
export type QueryResult = { columns: { name: string; kind: ColumnKind }[]; rows: unknown[][]; fill?: Fill };

const NUMERIC = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246]);
const TIME = new Set([7, 10, 12, 14]);

export async function runSql(conn: Connection, sql: string): Promise<QueryResult> {
  const [rows, fields] = (await conn.query({ sql, rowsAsArray: true })) as [RowDataPacket[], FieldPacket[]];
  const columns = fields.map((f) => {
    const type = f.columnType ?? -1;
    const kind: ColumnKind = NUMERIC.has(type) ? 'number' : TIME.has(type) ? 'time' : 'string';
    return { name: f.name, kind };
  });
  return { columns, rows: rows as unknown as unknown[][] };
}

const timeMs = (value: unknown): number => {
  if (value instanceof Date) return value.getTime();
  const n = Number(value);
  // Grafana reads a numeric epoch by its magnitude: 1e9–1e10 seconds, 1e18–1e19 nanoseconds, else ms.
  if (n >= 1e9 && n < 1e10) return n * 1000;
  if (n >= 1e18 && n < 1e19) return n / 1e6;
  return n;
};

/**
 * Problems with a result for a panel of `panelType` and a target of `format`; empty when Grafana
 * would draw it. `nonEmpty` also requires a row (and, for time series, a non-null value).
 */
export function shapeProblems(result: QueryResult, panelType: string, format: string, nonEmpty: boolean): string[] {
  const problems: string[] = [];
  const { columns, rows } = result;
  const names = columns.map((c) => c.name);
  if (nonEmpty && rows.length === 0) problems.push('no rows');
  const timeIndex = names.findIndex((n) => n === 'time' || n === 'time_sec');
  const numericIndexes = columns.flatMap((c, i) => (c.kind === 'number' && i !== timeIndex ? [i] : []));
  const needsTime = format === 'time_series' || ['timeseries', 'state-timeline', 'status-history'].includes(panelType);
  if (needsTime) {
    if (timeIndex !== 0) problems.push(`the time column must come first (columns: ${names.join(', ')})`);
    const times = rows.map((r) => r[timeIndex]);
    if (times.some((t) => t === null)) problems.push('null time');
    const ms = times.map(timeMs);
    if (ms.some((t, i) => i > 0 && t < ms[i - 1]!)) problems.push('rows not in ascending time order');
    if (columns[timeIndex]?.kind === 'string') problems.push('time column is a string');
  }
  if (format === 'time_series' || ['timeseries', 'stat', 'barchart', 'bargauge', 'gauge'].includes(panelType)) {
    if (numericIndexes.length === 0) problems.push(`no numeric value column (columns: ${names.join(', ')})`);
    if (format === 'time_series') {
      const strings = columns.filter((c, i) => c.kind === 'string' && i !== timeIndex);
      if (strings.length > 1) problems.push('more than one label column');
    }
    if (nonEmpty && rows.length > 0 && !rows.some((r) => numericIndexes.some((i) => r[i] !== null))) {
      problems.push('every value is null');
    }
  }
  if (panelType === 'state-timeline' && columns.length < 2) problems.push('no state column');
  if (panelType === 'geomap') {
    for (const name of ['latitude', 'longitude']) {
      const column = columns.find((c) => c.name === name);
      if (column?.kind !== 'number') problems.push(`geomap needs a numeric ${name} column`);
    }
  }
  return problems;
}
