import type { Knex } from 'knex';
import { READER_ROLE } from './migrations/20261121140000_grant_grafana_reader.ts';

/**
 * Whether this connection may grant the Grafana reader role: the MySQL init script makes the
 * ingest's user its admin; a database set up another way (tests, a hand-made one) may not, and
 * then the grant migrations leave privileges to whoever manages that database.
 */
export async function mayGrantReader(knex: Knex): Promise<boolean> {
  const [rows] = (await knex.raw(
    "SELECT 1 FROM information_schema.applicable_roles WHERE role_name = ? AND is_grantable = 'YES'",
    [READER_ROLE]
  )) as [unknown[]];
  return rows.length > 0;
}
