import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, loadConfig } from './config.ts';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('loadConfig', () => {
  it('runs locally with no environment at all', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.db).toEqual({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      password: '',
      database: 'vigil',
      poolMax: 10,
      connectTimeoutMs: 5_000,
      queryTimeoutMs: 10_000,
      lockWaitSeconds: 5,
    });
    expect(config.http.port).toBe(8080);
    expect(config.retention.days).toBe(30);
    expect(config.masterKeys).toBeUndefined();
    expect(Object.isFrozen(config.db)).toBe(true);
  });

  it('reports every bad key at once, each with its name and what it expects', () => {
    let error: unknown;
    try {
      loadConfig({
        VIGIL_DB_PORT: 'abc',
        VIGIL_HTTP_PORT: '70000',
        VIGIL_DB_NAME: 'no-dashes!',
        VIGIL_LOG_LEVEL: 'loud',
        VIGIL_RETENTION_DAYS: '0',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'VIGIL_DB_NAME',
      'VIGIL_DB_PORT',
      'VIGIL_HTTP_PORT',
      'VIGIL_LOG_LEVEL',
      'VIGIL_RETENTION_DAYS',
    ]);
    expect(problems.find((p) => p.startsWith('VIGIL_DB_PORT'))).toContain('got "abc"');
  });

  it('refuses production without a master key and an admin secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /VIGIL_MASTER_KEY: required[\s\S]*VIGIL_ADMIN_SECRET: required/
    );
    const config = loadConfig({
      NODE_ENV: 'production',
      VIGIL_MASTER_KEY: key('k1'),
      VIGIL_ADMIN_SECRET: 'x'.repeat(32),
    });
    expect(config.masterKeys?.map((k) => k.id)).toEqual(['k1']);
  });

  it('parses a rotation list, first key current, and never echoes secret values', () => {
    const config = loadConfig({ VIGIL_MASTER_KEY: `${key('new')},${key('old')}` });
    expect(config.masterKeys?.map((k) => [k.id, k.key.length])).toEqual([
      ['new', 32],
      ['old', 32],
    ]);

    const secretish = 'k1:not-base64-at-all';
    let problems: readonly string[] = [];
    try {
      loadConfig({ VIGIL_MASTER_KEY: `${secretish}`, VIGIL_ADMIN_SECRET: 'short' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toContain(secretish);
    expect(problems.join('\n')).not.toContain('short');
  });

  it('rejects duplicate key ids', () => {
    expect(() => loadConfig({ VIGIL_MASTER_KEY: `${key('a')},${key('a')}` })).toThrow(/unique/);
  });

  it('turns mail off without an SMTP URL, defaults the sync check, and never echoes a bad SMTP URL', () => {
    expect(loadConfig({}).mail).toEqual({ smtpUrl: undefined, from: 'Vigil <vigil@localhost>' });
    expect(loadConfig({}).syncAlerts).toEqual({
      staleDays: 3,
      reminderDays: 7,
      expiryWarningDays: 14,
      schedule: '0 7 * * *',
    });
    expect(loadConfig({ VIGIL_SMTP_URL: 'smtps://u:p@mail.example.org:465' }).mail.smtpUrl).toBe(
      'smtps://u:p@mail.example.org:465'
    );
    let problems: readonly string[] = [];
    try {
      loadConfig({ VIGIL_SMTP_URL: 'http://u:hunter2@mail.example.org', VIGIL_SYNC_STALE_DAYS: '0' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['VIGIL_SMTP_URL', 'VIGIL_SYNC_STALE_DAYS']);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('keeps the archive local without a bucket, and reads the S3 archive when one is named', () => {
    expect(loadConfig({}).uploads.archiveS3).toBeUndefined();
    expect(loadConfig({ VIGIL_ARCHIVE_S3_REGION: 'eu-west-3' }).uploads.archiveS3).toBeUndefined();
    expect(
      loadConfig({
        VIGIL_ARCHIVE_S3_BUCKET: 'vigil-raw',
        VIGIL_ARCHIVE_S3_PREFIX: '/site-a/archive/',
        VIGIL_ARCHIVE_S3_ENDPOINT: 'http://minio:9000',
        VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: 'vigil',
        VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: 'hunter22',
        VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      }).uploads.archiveS3
    ).toEqual({
      bucket: 'vigil-raw',
      prefix: 'site-a/archive',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'vigil', secretAccessKey: 'hunter22' },
      forcePathStyle: true,
      requestTimeoutMs: 30_000,
    });
    expect(loadConfig({ VIGIL_ARCHIVE_S3_BUCKET: 'vigil-raw' }).uploads.archiveS3?.credentials).toBeUndefined();
  });

  it('refuses a half-configured S3 archive, naming each key, and never echoes the secret', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({
        VIGIL_ARCHIVE_S3_PREFIX: '../escape',
        VIGIL_ARCHIVE_S3_ENDPOINT: 'ftp://x',
        VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: 'hunter22',
      });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'VIGIL_ARCHIVE_S3_ACCESS_KEY_ID',
      'VIGIL_ARCHIVE_S3_BUCKET',
      'VIGIL_ARCHIVE_S3_ENDPOINT',
      'VIGIL_ARCHIVE_S3_PREFIX',
    ]);
    expect(problems.join('\n')).not.toContain('hunter22');
    expect(() => loadConfig({ VIGIL_ARCHIVE_S3_BUCKET: 'Not_A_Bucket' })).toThrow(/VIGIL_ARCHIVE_S3_BUCKET/);
  });

  it('.env.example documents exactly the keys the configuration reads', () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...CONFIG_KEYS].sort());
  });
});
