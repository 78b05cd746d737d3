import { formatIntervalBackend, goFixed0, goFloatV, parseIntervalSeconds } from './intervals.ts';

/**
 * What Grafana 13.1 does to a MySQL panel's rawSql before MySQL sees it (spec grafana.md §4): the
 * browser's template-variable pass (§4.8, §4.9), the backend's global pass (§4.1 step 3), the
 * restricted-SQL check (§4.2), comment stripping (§4.3) and the macro engine (§4.4–4.6).
 */

export type Variable = {
  name: string;
  /** Query variables yield strings; an array is a multi selection. */
  value: string | number | readonly string[];
  multi?: boolean;
  includeAll?: boolean;
  /** Set with includeAll: the custom "All" value, inserted raw when All is selected. */
  allValue?: string | null;
  /** All option values, used for "All" without allValue. */
  options?: readonly string[];
};

export type QueryContext = {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  /** The browser's `$__interval` text (secondsToHms of intervalMs). */
  interval: string;
  variables: readonly Variable[];
};

export type Fill = { mode: 'null' | 'previous' | 'value'; value?: number; intervalSeconds: number };

const ALL = '$__all';
const quoteLiteral = (v: string) => `'${v.replaceAll("'", "''")}'`;

/** SqlDatasource.interpolateVariable: the MySQL default formatter. */
function sqlDefault(value: string | number | readonly string[], variable: Variable | undefined): string {
  if (typeof value === 'string') {
    return variable?.multi || variable?.includeAll ? quoteLiteral(value) : value.replaceAll("'", "''");
  }
  if (typeof value === 'number') return String(value);
  return value.map((v) => quoteLiteral(v)).join(',');
}

function applyFormat(value: string | number | readonly string[], format: string, variable?: Variable): string {
  const list = typeof value === 'object' ? [...value] : [String(value)];
  switch (format) {
    case 'csv':
      return list.join(',');
    case 'sqlstring':
      return list.map(quoteLiteral).join(',');
    case 'singlequote':
      return list.map((v) => `'${v.replaceAll("'", "\\'")}'`).join(',');
    case 'doublequote':
      return list.map((v) => `"${v.replaceAll('"', '\\"')}"`).join(',');
    case 'raw':
    case 'text':
      return list.join(',');
    case 'pipe':
      return list.join('|');
    case 'json':
      return JSON.stringify(typeof value === 'object' ? list : value);
    case 'percentencode':
      return encodeURIComponent(list.join(','));
    case 'default':
      return sqlDefault(value, variable);
    default:
      throw new Error(`variable format ${format} is not reproduced by this harness`);
  }
}

function globalValue(name: string, format: string | undefined, ctx: QueryContext): string | undefined {
  const range = ctx.toMs - ctx.fromMs;
  const date = (ms: number) => {
    if (format === undefined) return String(ms);
    if (format === 'date' || format === 'date:iso') return new Date(ms).toISOString();
    if (format === 'date:seconds') return String(Math.floor(ms / 1000));
    if (format === 'date:ms') return String(ms);
    throw new Error(`date format ${format} is not reproduced by this harness`);
  };
  switch (name) {
    case '__from':
      return date(ctx.fromMs);
    case '__to':
      return date(ctx.toMs);
    case '__interval':
      return ctx.interval;
    case '__interval_ms':
      return String(ctx.intervalMs);
    case '__range':
      return `${Math.round(range / 1000)}s`;
    case '__range_s':
      return String(Math.round(range / 1000));
    case '__range_ms':
      return String(range);
    case '__timezone':
      return 'utc';
    default:
      return undefined;
  }
}

const VARIABLE_PATTERN = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** The browser's templateSrv.replace with the MySQL formatter; unknown names are left as they are. */
export function interpolateVariables(sql: string, ctx: QueryContext): string {
  return sql.replace(
    VARIABLE_PATTERN,
    (
      match,
      plain?: string,
      bracket?: string,
      bracketFmt?: string,
      braced?: string,
      _path?: string,
      bracedFmt?: string
    ) => {
      const name = plain ?? bracket ?? braced ?? '';
      const format = bracketFmt ?? bracedFmt;
      const global = globalValue(name, format, ctx);
      if (global !== undefined)
        return format?.startsWith('date') || format === undefined ? global : applyFormat(global, format);
      const variable = ctx.variables.find((v) => v.name === name);
      if (!variable) return match;
      if (variable.value === ALL || (Array.isArray(variable.value) && variable.value[0] === ALL)) {
        if (variable.allValue != null) {
          return format === 'percentencode' ? encodeURIComponent(variable.allValue) : variable.allValue;
        }
        return applyFormat(variable.options ?? [], format ?? 'default', variable);
      }
      return applyFormat(variable.value, format ?? 'default', variable);
    }
  );
}

/** Backend global pass (sqleng Interpolate): plain replace-all, in this order. */
export function globalPass(sql: string, ctx: QueryContext): string {
  const from = Math.floor(ctx.fromMs / 1000);
  const to = Math.floor(ctx.toMs / 1000);
  return sql
    .replaceAll('$__interval_ms', String(ctx.intervalMs))
    .replaceAll('$__interval', formatIntervalBackend(ctx.intervalMs))
    .replaceAll('$__unixEpochFrom()', String(from))
    .replaceAll('$__unixEpochTo()', String(to));
}

const RESTRICTED =
  /(^|[\s,])(?:session_user\([^)]*\)|current_user(?:\([^)]*\))?|system_user\([^)]*\)|user\([^)]*\))(?=[\s,;]|$)|show\s+grants/im;

/** Strips `-- `, `#` and `/* *\/` comments outside quotes (current macros.go). */
export function stripComments(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\' && c !== '`') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function parseFill(arg: string | undefined, intervalSeconds: number): Fill | undefined {
  if (arg === undefined) return undefined;
  if (arg === 'NULL') return { mode: 'null', intervalSeconds };
  if (arg === 'previous') return { mode: 'previous', intervalSeconds };
  const value = Number(arg);
  if (arg.trim() === '' || Number.isNaN(value)) throw new Error('error parsing fill value');
  return { mode: 'value', value, intervalSeconds };
}

/** The MySQL macro engine; F/T are whole seconds. Returns the SQL and the fill the query asked for. */
export function expandMacros(sql: string, ctx: Pick<QueryContext, 'fromMs' | 'toMs'>): { sql: string; fill?: Fill } {
  if (RESTRICTED.test(sql)) throw new Error('invalid query - restricted function or statement');
  const from = Math.floor(ctx.fromMs / 1000);
  const to = Math.floor(ctx.toMs / 1000);
  const fromNs = `${from}000000000`;
  const toNs = `${to}000000000`;
  let fill: Fill | undefined;
  const expanded = stripComments(sql).replace(/\$([_a-zA-Z0-9]+)\(([^)]*)\)/g, (_m, name: string, rawArgs: string) => {
    const args = rawArgs.split(',').map((a) => a.replace(/^ +| +$/g, ''));
    const col = args[0] ?? '';
    const needColumn = () => {
      if (col === '') throw new Error(`missing time column argument for macro ${name}`);
    };
    switch (name) {
      case '__time':
      case '__timeEpoch':
        needColumn();
        return `UNIX_TIMESTAMP(${col}) as time_sec`;
      case '__timeFilter':
        needColumn();
        return from < 0
          ? `${col} BETWEEN DATE_ADD(FROM_UNIXTIME(0), INTERVAL ${from} SECOND) AND FROM_UNIXTIME(${to})`
          : `${col} BETWEEN FROM_UNIXTIME(${from}) AND FROM_UNIXTIME(${to})`;
      case '__timeFrom':
        return `FROM_UNIXTIME(${from})`;
      case '__timeTo':
        return `FROM_UNIXTIME(${to})`;
      case '__timeGroup':
      case '__timeGroupAlias': {
        if (args.length < 2) throw new Error('macro __timeGroup needs time column and interval');
        const seconds = intervalArg(args[1]!.replace(/^['"]|['"]$/g, ''));
        fill = parseFill(args[2], seconds) ?? fill;
        const group = `UNIX_TIMESTAMP(${col}) DIV ${goFixed0(seconds)} * ${goFixed0(seconds)}`;
        return name === '__timeGroupAlias' ? `${group} AS "time"` : group;
      }
      case '__unixEpochFilter':
        needColumn();
        return `${col} >= ${from} AND ${col} <= ${to}`;
      case '__unixEpochNanoFilter':
        needColumn();
        return `${col} >= ${fromNs} AND ${col} <= ${toNs}`;
      case '__unixEpochNanoFrom':
        return fromNs;
      case '__unixEpochNanoTo':
        return toNs;
      case '__unixEpochGroup':
      case '__unixEpochGroupAlias': {
        if (args.length < 2) {
          throw new Error('macro __unixEpochGroup needs time column and interval and optional fill value');
        }
        const seconds = intervalArg(args[1]!.replace(/^'|'$/g, ''));
        fill = parseFill(args[2], seconds) ?? fill;
        const group = `${col} DIV ${goFloatV(seconds)} * ${goFloatV(seconds)}`;
        return name === '__unixEpochGroupAlias' ? `${group} AS "time"` : group;
      }
      default:
        throw new Error(`unknown macro ${name}`);
    }
  });
  return fill ? { sql: expanded, fill } : { sql: expanded };
}

function intervalArg(text: string): number {
  try {
    return parseIntervalSeconds(text);
  } catch {
    throw new Error(`error parsing interval ${text}`);
  }
}

/** The whole pipeline, browser then backend. */
export function renderQuery(rawSql: string, ctx: QueryContext): { sql: string; fill?: Fill } {
  return expandMacros(globalPass(interpolateVariables(rawSql, ctx), ctx), ctx);
}
