import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { API_BASE } from '../constants.ts';

export type FieldProblem = { field: string; message: string };

/** A failed call to the ingest, already put into words for the page that made it. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly fields: readonly FieldProblem[] = []
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The problem with one request field, if the ingest named it. */
  fieldError(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message;
  }
}

type Query = Record<string, string | number | boolean | undefined>;

export type RequestOptions = { method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; query?: Query; body?: unknown };

/** Calls the admin API through Grafana's plugin proxy; failures become ApiErrors in words. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${API_BASE}${path}${queryString(options.query)}`,
        method,
        data: options.body,
        // Errors are shown where they concern (a field, a row), not as Grafana's generic toast.
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data;
  } catch (err) {
    throw toApiError(err);
  }
}

export function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

type ErrorBody = { error?: { code?: unknown; message?: unknown; fields?: unknown }; message?: unknown };

/**
 * Errors come from two places: the ingest answers `{error: {code, message, fields?}}`; Grafana's
 * proxy itself answers `{message}` (route denied or not found) or a bare 502 when the ingest is
 * unreachable. Each becomes a sentence; raw JSON is never shown.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 0;
  const body = ((err as { data?: unknown })?.data ?? {}) as ErrorBody;
  const ingest = typeof body === 'object' && body !== null ? body.error : undefined;
  if (ingest && typeof ingest.message === 'string') {
    const code = typeof ingest.code === 'string' ? ingest.code : 'ERROR';
    const fields = Array.isArray(ingest.fields) ? ingest.fields.filter(isFieldProblem) : [];
    return new ApiError(ingestMessage(code, ingest.message), status, code, fields);
  }
  const grafanaMessage = typeof body?.message === 'string' ? body.message : '';
  if (status === 403 && /access denied/i.test(grafanaMessage)) {
    return new ApiError('Your Grafana role does not allow this: changes need the Admin role.', 403, 'FORBIDDEN');
  }
  if (status === 404 && /route match not found/i.test(grafanaMessage)) {
    return new ApiError('Grafana has no proxy route for this request: update the Vigil app plugin.', 404, 'NO_ROUTE');
  }
  if (status === 502 || status === 504) {
    return new ApiError(
      'Grafana could not reach the Vigil ingest: check the ingest URL on the plugin configuration page.',
      status,
      'UNREACHABLE'
    );
  }
  if (status === 0) {
    return new ApiError('The request did not reach Grafana: check your network connection.', 0, 'NETWORK');
  }
  return new ApiError(`The request failed (HTTP ${status}). Try again, or ask an administrator.`, status, 'HTTP');
}

function ingestMessage(code: string, message: string): string {
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  if (code === 'UNAUTHORIZED') {
    return `The ingest refused the request (${message}): check the shared secret on the plugin configuration page.`;
  }
  return sentence.endsWith('.') ? sentence : `${sentence}.`;
}

function isFieldProblem(value: unknown): value is FieldProblem {
  const f = value as FieldProblem;
  return typeof f?.field === 'string' && typeof f?.message === 'string';
}
