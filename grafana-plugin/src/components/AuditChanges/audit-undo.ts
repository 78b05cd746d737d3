import { restoreParticipant, restoreStudy, updateParticipant } from '../../api/endpoints.ts';
import type { AuditRecord } from '../../api/types.ts';

/**
 * The audited actions that can be taken back from the audit log, and how: a deletion by restoring
 * (within the retention window; the ingest says when it is too late), a rename by renaming back.
 */
export function undoOf(record: AuditRecord): { label: string; run: () => Promise<unknown> } | null {
  const id = Number(record.target.id);
  switch (record.action) {
    case 'study.delete':
      return { label: 'Restore study', run: () => restoreStudy(id) };
    case 'participant.delete':
      return { label: 'Restore participant', run: () => restoreParticipant(id) };
    case 'participant.rename': {
      const label = (record.before as { label?: unknown } | null)?.label;
      return typeof label === 'string'
        ? { label: `Rename back to ${label}`, run: () => updateParticipant(id, { label }) }
        : null;
    }
    default:
      return null;
  }
}
