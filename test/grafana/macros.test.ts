import { describe, expect, it } from 'vitest';
import { formatIntervalBackend, goFloatV, panelInterval } from './intervals.ts';
import { expandMacros, interpolateVariables, renderQuery, type QueryContext } from './macros.ts';

/** Expected strings are the ones spec grafana.md §4.5–4.8 quotes from Grafana's code. */
const ctx: QueryContext = {
  fromMs: 1_700_000_000_999,
  toMs: 1_700_086_400_000,
  intervalMs: 60_000,
  interval: '1m',
  variables: [
    { name: 'host', value: "srv'1" },
    { name: 'region', value: 'us-east', includeAll: true },
    { name: 'hosts', value: ['srv1', 'srv2'], multi: true },
    { name: 'any', value: '$__all', includeAll: true, allValue: '.*' },
  ],
};

describe('the MySQL macro engine', () => {
  it('expands time filters with whole seconds', () => {
    expect(expandMacros('WHERE $__timeFilter(t)', ctx).sql).toBe(
      'WHERE t BETWEEN FROM_UNIXTIME(1700000000) AND FROM_UNIXTIME(1700086400)'
    );
    expect(expandMacros('$__unixEpochFilter(ts)', ctx).sql).toBe('ts >= 1700000000 AND ts <= 1700086400');
  });

  it('groups with %.0f for timeGroup and Go %v for unixEpochGroup', () => {
    expect(expandMacros("$__timeGroupAlias(t, '5m')", ctx).sql).toBe('UNIX_TIMESTAMP(t) DIV 300 * 300 AS "time"');
    expect(expandMacros('$__unixEpochGroup(ts, 30d)', ctx).sql).toBe('ts DIV 2.592e+06 * 2.592e+06');
    expect(expandMacros('$__timeGroup(t, 1d, 0)', ctx).fill).toEqual({
      mode: 'value',
      value: 0,
      intervalSeconds: 86_400,
    });
    expect(() => expandMacros('$__unixEpochGroup(ts, "5m")', ctx)).toThrow('error parsing interval "5m"');
    expect(() => expandMacros('$__timeGroup(t)', ctx)).toThrow('needs time column and interval');
    expect(() => expandMacros('$__nope(t)', ctx)).toThrow('unknown macro __nope');
  });

  it('rejects restricted functions and strips comments outside quotes', () => {
    expect(() => expandMacros('SELECT user()', ctx)).toThrow('invalid query');
    expect(expandMacros("SELECT '-- kept' -- gone\nFROM t /* gone */", ctx).sql).toBe("SELECT '-- kept' \nFROM t ");
  });
});

describe('variables and intervals', () => {
  it('formats variables as the MySQL datasource does', () => {
    expect(interpolateVariables("h = $host AND r = '$region' AND x IN ($hosts) AND a = '${any}'", ctx)).toBe(
      "h = srv''1 AND r = ''us-east'' AND x IN ('srv1','srv2') AND a = '.*'"
    );
    expect(interpolateVariables('${hosts:csv} [[host]] ${__from:date:seconds}', ctx)).toBe(
      "srv1,srv2 srv''1 1700000000"
    );
  });

  it('prints intervals like Grafana', () => {
    expect(goFloatV(86_400)).toBe('86400');
    expect(goFloatV(1_000_000)).toBe('1e+06');
    expect(goFloatV(0.5)).toBe('0.5');
    expect(formatIntervalBackend(90_000)).toBe('1m');
    expect(formatIntervalBackend(36 * 3_600_000)).toBe('1d');
    expect(panelInterval(30 * 86_400_000, 1000, '1m')).toEqual({ intervalMs: 1_800_000, interval: '30m' });
    expect(panelInterval(3_600_000, 1000, '1m')).toEqual({ intervalMs: 60_000, interval: '1m' });
  });

  it('runs the browser pass before the backend pass', () => {
    expect(renderQuery('SELECT $__timeGroupAlias(t, $__interval) WHERE x > $__unixEpochFrom()', ctx).sql).toBe(
      'SELECT UNIX_TIMESTAMP(t) DIV 60 * 60 AS "time" WHERE x > 1700000000'
    );
  });
});
