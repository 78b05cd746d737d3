import { locationUtil } from '@grafana/data';
import { config } from '@grafana/runtime';
import { queryString, toApiError } from '../../api/client.ts';
import { API_BASE } from '../../constants.ts';

export type Received = { bytes: number; total: number | null };

/** What the ingest may announce for a streamed export whose length it cannot know in advance. */
const ESTIMATE_HEADER = 'X-Vigil-Estimated-Bytes';

/**
 * Downloads a participant's export ZIP through the plugin proxy, reporting bytes as they arrive.
 * BackendSrv would buffer the whole body before answering, so this reads the stream itself.
 */
export async function downloadExport(
  participantId: number,
  query: { streams?: string; from?: string; to?: string },
  onProgress: (r: Received) => void,
  signal: AbortSignal
): Promise<{ blob: Blob; fileName: string }> {
  const url = locationUtil.assureBaseUrl(`/${API_BASE}/participants/${participantId}/export${queryString(query)}`);
  const orgId = config.bootData?.user?.orgId;
  let res: Response;
  try {
    res = await fetch(url, {
      credentials: 'same-origin',
      signal,
      headers: orgId ? { 'X-Grafana-Org-Id': String(orgId) } : {},
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw toApiError({ status: 0 });
  }
  if (!res.ok) {
    const data: unknown = await res.json().catch(() => ({}));
    throw toApiError({ status: res.status, data });
  }
  const total = sizeOf(res.headers.get(ESTIMATE_HEADER)) ?? sizeOf(res.headers.get('Content-Length'));
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  onProgress({ bytes, total });
  if (res.body) {
    const reader = res.body.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      chunks.push(next.value);
      bytes += next.value.byteLength;
      onProgress({ bytes, total });
    }
  }
  const fileName = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'export.zip';
  return { blob: new Blob(chunks as BlobPart[], { type: 'application/zip' }), fileName };
}

function sizeOf(header: string | null): number | null {
  const n = header === null ? NaN : Number(header);
  return Number.isFinite(n) && n > 0 ? n : null;
}
