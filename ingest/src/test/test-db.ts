import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../config.ts';

/**
 * Test databases live on the server the VIGIL_DB_* variables point at (the local MariaDB by
 * default), each under a unique throwaway name so runs and files never share rows.
 */
export function testDbConfig(prefix = 'vigil_test'): Config['db'] {
  const base = loadConfig(process.env).db;
  return { ...base, database: `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}` };
}
