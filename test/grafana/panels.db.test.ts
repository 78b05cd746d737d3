import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grantReader } from '../../migrations/src/migrations/20261121140000_grant_grafana_reader.ts';
import { grantReaderWearables } from '../../migrations/src/migrations/20261121140100_grant_grafana_reader_wearables.ts';
import { grantReaderHeartRateMinutes } from '../../migrations/src/migrations/20261121140300_grant_grafana_reader_heart_rate_minutes.ts';
import { grantReaderDailyFeatures } from '../../migrations/src/migrations/20261206130100_grant_grafana_reader_daily_features.ts';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDatabase } from '../../ingest/src/test/test-db.ts';
import { repoRoot, scratchDir, yamlToJson } from '../tools.ts';
import { allPanels, loadDashboards, variableSql, type Dashboard } from './dashboards.ts';
import { panelInterval } from './intervals.ts';
import { renderQuery, type QueryContext, type Variable } from './macros.ts';
import { runSql, shapeProblems } from './run-query.ts';
import { seedStudy, type Seeded } from './seed.ts';

/**
 * Every panel query of every dashboard and every alert query, expanded as Grafana 13.1 expands them,
 * run as a user holding only the reader grants against data the real ingest path wrote.
 */

const suffix = randomBytes(3).toString('hex');
const role = `vigil_reader_t${suffix}`;
const user = `vigil_grafana_t${suffix}`;
const password = randomBytes(12).toString('hex');

let own: Awaited<ReturnType<typeof createOwnDatabase>>;
let reader: mysql.Connection;
let seeded: Seeded;

beforeAll(async () => {
  own = await createOwnDatabase('vigil_grafana');
  seeded = await seedStudy(own.db);
  await own.db.raw('CREATE ROLE ??', [role]);
  await own.db.raw("CREATE USER ??@'%' IDENTIFIED BY ?", [user, password]);
  await own.db.raw("GRANT ?? TO ??@'%'", [role, user]);
  await own.db.raw("SET DEFAULT ROLE ?? FOR ??@'%'", [role, user]);
  await grantReader(own.db, role);
  await grantReaderWearables(own.db, role);
  await grantReaderHeartRateMinutes(own.db, role);
  await grantReaderDailyFeatures(own.db, role);
  const { host, port, database } = own.config;
  reader = await mysql.createConnection({ host, port, user, password, database, timezone: 'Z' });
  // The provisioned jsonData.timezone: the DSN's time_zone parameter.
  await reader.query("SET time_zone = '+00:00'");
}, 180_000);

afterAll(async () => {
  await reader?.end();
  await own?.db.raw("DROP USER IF EXISTS ??@'%'", [user]);
  await own?.db.raw('DROP ROLE IF EXISTS ??', [role]);
  await own?.drop();
});

function context(
  seed: Seeded,
  variables: Variable[],
  panel?: { interval?: string; maxDataPoints?: number }
): QueryContext {
  const fromMs = seed.from.getTime();
  const toMs = seed.to.getTime();
  const { intervalMs, interval } = panelInterval(toMs - fromMs, panel?.maxDataPoints ?? 1000, panel?.interval ?? '1m');
  return { fromMs, toMs, intervalMs, interval, variables };
}

/** Resolves the dashboard's variables in order, as Grafana does on load, choosing the seeded study and participant. */
async function resolveVariables(dashboard: Dashboard): Promise<Variable[]> {
  const resolved: Variable[] = [];
  const wanted: Record<string, string> = { study: String(seeded.studyId), participant: String(seeded.participantId) };
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === 'custom') {
      resolved.push({
        name: v.name,
        value: (v.current?.value as string | undefined) ?? '',
        multi: v.multi,
        includeAll: v.includeAll,
      });
      continue;
    }
    const sql = variableSql(v);
    if (!sql) throw new Error(`variable ${v.name} has no query`);
    const result = await runSql(reader, renderQuery(sql, context(seeded, resolved)).sql);
    const valueIndex = result.columns.findIndex((c) => c.name === '__value');
    expect(valueIndex, `${v.name} returns __value`).toBeGreaterThanOrEqual(0);
    expect(result.columns.map((c) => c.name)).toContain('__text');
    const options = result.rows.map((r) => String(r[valueIndex]));
    const value = wanted[v.name] ?? options[0] ?? '';
    expect(options, `${v.name} offers the seeded one`).toContain(value);
    resolved.push({ name: v.name, value, multi: v.multi, includeAll: v.includeAll, options });
  }
  return resolved;
}

describe.each(loadDashboards())('dashboard $file', ({ dashboard }) => {
  for (const panel of allPanels(dashboard).filter((p) => p.targets?.length)) {
    it(`${panel.type} "${panel.title}" returns what its panel draws`, async () => {
      const variables = await resolveVariables(dashboard);
      for (const target of panel.targets ?? []) {
        const { sql } = renderQuery(target.rawSql ?? '', context(seeded, variables, panel));
        const result = await runSql(reader, sql);
        expect(shapeProblems(result, panel.type, target.format ?? 'time_series', true), sql).toEqual([]);
      }
    });
  }
});

describe('the wearable panels', () => {
  const overview = loadDashboards().find((d) => d.dashboard.uid === 'vigil-participant-overview')!.dashboard;
  const query = async (titleStart: string) => {
    const panel = allPanels(overview).find((p) => p.title.startsWith(titleStart)) ?? expect.fail(titleStart);
    const variables = await resolveVariables(overview);
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    const column = (name: string) => result.rows.map((r) => r[result.columns.findIndex((c) => c.name === name)]);
    return { result, column };
  };
  const distinct = (values: unknown[]) => [...new Set(values.map(String))].sort();

  it('draw what each pulled wearable measured, labelled by provider', async () => {
    expect(distinct((await query('Heart rate')).column('metric'))).toEqual(['fitbit', 'polar', 'withings']);
    expect(distinct((await query('Steps per day')).column('metric'))).toEqual(['fitbit', 'polar']);
    expect(distinct((await query('Weight')).column('metric'))).toEqual(['withings']);
    expect(distinct((await query('Sleep stages')).column('source'))).toEqual(['fitbit', 'polar']);
  });

  it('gives whole local days of steps and plausible heart rates', async () => {
    const steps = await query('Steps per day');
    for (const n of steps.column('steps')) expect(Number(n)).toBeGreaterThan(100);
    expect(distinct(steps.column('time').map((t) => (t as Date).toISOString().slice(11)))).toEqual(['00:00:00.000Z']);
    for (const bpm of (await query('Heart rate')).column('bpm')) {
      expect(Number(bpm)).toBeGreaterThan(35);
      expect(Number(bpm)).toBeLessThan(200);
    }
  });
});

describe('the Behaviour panels', () => {
  const byUid = (uid: string) => loadDashboards().find((d) => d.dashboard.uid === uid)!.dashboard;
  const query = async (dashboard: Dashboard, titleStart: string) => {
    const panel = allPanels(dashboard).find((p) => p.title.startsWith(titleStart)) ?? expect.fail(titleStart);
    const variables = await resolveVariables(dashboard);
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    const column = (name: string) => result.rows.map((r) => r[result.columns.findIndex((c) => c.name === name)]);
    return { result, column };
  };

  it('draw a feature with the participant’s baseline band around it', async () => {
    const home = await query(byUid('vigil-participant-overview'), 'Time at home');
    const values = home
      .column('time at home')
      .filter((v) => v !== null)
      .map(Number);
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(v).toBeGreaterThan(0);
    const [low, high] = [home.column('baseline low').map(Number), home.column('baseline high').map(Number)];
    // One band for the whole range: the first weeks' mean ± 2 SD, wider than nothing.
    expect(new Set(low).size).toBe(1);
    expect(high[0]!).toBeGreaterThan(low[0]!);
  });

  it('colour the cohort heatmap by SD from each participant’s own baseline', async () => {
    const cohort = await query(byUid('vigil-cohort-compliance'), 'Behaviour: $feature');
    expect([...new Set(cohort.column('metric'))]).toEqual([seeded.label]);
    expect(cohort.column('z').some((z) => z !== null && Math.abs(Number(z)) < 10)).toBe(true);
  });
});

type Rule = {
  uid: string;
  data: {
    refId: string;
    relativeTimeRange?: { from: number; to: number };
    datasourceUid: string;
    model: { rawSql?: string; format?: string };
  }[];
};

/**
 * A rule's query as Grafana evaluates it: provisioning reads `$$` as a literal `$`, and the time
 * range is the query's relative range ending at the evaluation, which is now (the test's clock).
 */
function alertQuery(query: Rule['data'][number]): string {
  const range = query.relativeTimeRange ?? expect.fail(`${query.refId}: no relativeTimeRange`);
  const now = Date.now();
  const fromMs = now - range.from * 1000;
  const toMs = now - range.to * 1000;
  const { intervalMs, interval } = panelInterval(toMs - fromMs, 43_200, '1s');
  return renderQuery((query.model.rawSql ?? '').replaceAll('$$', '$'), {
    fromMs,
    toMs,
    intervalMs,
    interval,
    variables: [],
  }).sql;
}

describe('alert rules', () => {
  const scratch = scratchDir();
  afterAll(scratch.remove);
  const file = yamlToJson<{ groups: { rules: Rule[] }[] }>(
    readFileSync(join(repoRoot, 'provisioning/alerting/vigil.yaml'), 'utf8'),
    scratch.path
  );
  const rules = file.groups.flatMap((g) => g.rules);

  const run = async (uid: string) => {
    const rule = rules.find((r) => r.uid === uid) ?? expect.fail(`no rule ${uid}`);
    const query = rule.data.find((d) => d.datasourceUid === 'vigil-mysql') ?? expect.fail('no SQL query');
    const result = await runSql(reader, alertQuery(query));
    expect(
      result.columns.filter((c) => c.kind === 'number'),
      `${uid}: one numeric column`
    ).toHaveLength(1);
    return result;
  };

  it('every rule is a table query with one numeric column', async () => {
    for (const rule of rules) await run(rule.uid);
  });

  it('fires for the connection that needs consent again, labelled by participant and provider', async () => {
    const result = await run('vigil-needs-reconsent');
    const names = result.columns.map((c) => c.name);
    expect(result.rows.map((r) => [r[names.indexOf('participant')], r[names.indexOf('provider')]])).toEqual([
      [seeded.label, 'withings'],
    ]);
  });

  it('sees the phone as heard from (it just sent a heartbeat) and the queue as fresh', async () => {
    expect((await run('vigil-phone-silent')).rows).toEqual([]);
    const queue = await run('vigil-queue-backlog');
    expect(Number(queue.rows[0]?.[0])).toBeLessThan(30);
  });
});

describe('the reader grants', () => {
  it('reads data tables and status columns but no secrets', async () => {
    await expect(reader.query('SELECT COUNT(*) FROM accelerometer')).resolves.toBeDefined();
    await expect(reader.query('SELECT last_upload_at FROM beiwe_participants')).resolves.toBeDefined();
    await expect(reader.query('SELECT state, errors FROM wearable_pull_jobs')).resolves.toBeDefined();
    for (const sql of [
      'SELECT password_hash FROM beiwe_participants',
      'SELECT private_key_sealed FROM beiwe_participants',
      'SELECT tokens_sealed FROM device_connections',
      'SELECT * FROM connect_links',
      'SELECT * FROM study_archive_keys',
      'SELECT * FROM audit_log',
      'SELECT * FROM beiwe_fcm_tokens',
      'SELECT requested_by FROM wearable_pull_jobs',
    ]) {
      await expect(reader.query(sql), sql).rejects.toThrow(/denied/);
    }
    await expect(reader.query('DELETE FROM accelerometer')).rejects.toThrow(/denied/);
  });
});
