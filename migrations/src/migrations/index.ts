import type { Knex } from 'knex';
import * as createStudies from './20261121080000_create_studies.ts';
import * as createParticipants from './20261121080100_create_participants.ts';
import * as createAuditLog from './20261121080200_create_audit_log.ts';

type Migration = { name: string; module: Knex.Migration };

/** In the order they run. Append only: a merged migration is never edited. */
export const migrations: readonly Migration[] = [
  { name: '20261121080000_create_studies', module: createStudies },
  { name: '20261121080100_create_participants', module: createParticipants },
  { name: '20261121080200_create_audit_log', module: createAuditLog },
];
