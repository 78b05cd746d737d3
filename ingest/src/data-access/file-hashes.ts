import { createHash } from 'node:crypto';
import { DEFAULT_STREAMS, entriesOf, type ExportDeps, type ExportParticipant } from './export.ts';
import type { KeyCache } from '../uploads/plaintext.ts';

/**
 * Beiwe's `/get-participant-file-hashes/v1`: `{file name: hash}` for every file `/get-data/v1`
 * would serve the participant, the hash being the base64 SHA-1 of the file's bytes (the registry's
 * hash). Beiwe names each file as in the ZIP but from the ISO form of its time bin
 * (`pid/gps/2024-01-01T10_00_00+00_00.csv`), and a name that comes twice keeps its last hash.
 * Vigil keeps no hash per file: each file is rebuilt to be hashed, as an export would build it.
 */
export async function participantFileHashes(
  deps: ExportDeps,
  studyObjectId: string,
  participant: ExportParticipant
): Promise<Record<string, string>> {
  const keys: KeyCache = new Map();
  const req = {
    studyObjectId,
    participants: [participant],
    streams: DEFAULT_STREAMS,
    registry: new Map<string, string>(),
    method: 'store' as const,
    withRegistry: false,
  };
  const out: Record<string, string> = {};
  for (const stream of DEFAULT_STREAMS) {
    for await (const entry of entriesOf(deps, req, participant, stream, keys)) {
      out[entry.name.replace(/ (?=[^/]*$)/, 'T')] = createHash('sha1').update(entry.data).digest('base64');
    }
  }
  return out;
}
