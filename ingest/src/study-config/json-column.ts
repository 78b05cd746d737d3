/** MariaDB stores JSON as LONGTEXT, so mysql2 hands it back as a string; MySQL 8 as parsed JSON. */
export function parseJsonColumn(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}
