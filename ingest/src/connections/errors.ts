import { ConflictError } from '../errors.ts';
import type { Connection } from './store.ts';

/** The connection cannot be used until an admin or the patient acts (needs re-consent, disconnected). */
export class ConnectionUnusableError extends ConflictError {
  readonly connection: Connection;

  constructor(connection: Connection) {
    const why = connection.statusReason ? ` (${connection.statusReason})` : '';
    const detail = connection.statusDetail ? `: ${connection.statusDetail}` : '';
    super(`connection ${connection.id} is ${connection.status}${why}${detail}`);
    this.connection = connection;
  }
}
