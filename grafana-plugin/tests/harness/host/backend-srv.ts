import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import { from, type Observable } from 'rxjs';

/**
 * What Grafana's BackendSrv does for a plugin, over the browser's fetch: relative URLs against the
 * page's `<base href>`, JSON in and out, `X-Grafana-Org-Id`, and failures as FetchError-like
 * objects `{status, statusText, data, config}` so the plugin's error handling sees what it would in Grafana.
 */
async function request<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
  const url = withParams(options.url, options.params as Record<string, unknown> | undefined);
  const hasBody = options.data !== undefined && options.method !== 'GET';
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: {
      Accept: 'application/json, text/plain, */*',
      'X-Grafana-Org-Id': '1',
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      ...(options.headers as Record<string, string> | undefined),
    },
    body: hasBody ? JSON.stringify(options.data) : undefined,
    credentials: 'same-origin',
  });
  const text = await response.text();
  let data: unknown = text;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text, as Grafana does.
  }
  const result = {
    data: data as T,
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    url: response.url,
    type: response.type,
    redirected: response.redirected,
    config: options,
  };
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- Grafana rejects with a FetchError object
  if (!response.ok) throw { ...result, isHandled: false };
  return result;
}

function withParams(url: string, params: Record<string, unknown> | undefined): string {
  if (!params) return url;
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null) search.set(k, String(v as string | number | boolean));
  const text = search.toString();
  return text ? `${url}${url.includes('?') ? '&' : '?'}${text}` : url;
}

const dataOf = async <T>(options: BackendSrvRequest) => (await request<T>(options)).data;

export const harnessBackendSrv = {
  fetch: <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> => from(request<T>(options)),
  request: dataOf,
  datasourceRequest: request,
  get: (url: string, params?: Record<string, unknown>) => dataOf({ url, params, method: 'GET' }),
  delete: (url: string, data?: unknown) => dataOf({ url, data, method: 'DELETE' }),
  post: (url: string, data?: unknown) => dataOf({ url, data, method: 'POST' }),
  patch: (url: string, data?: unknown) => dataOf({ url, data, method: 'PATCH' }),
  put: (url: string, data?: unknown) => dataOf({ url, data, method: 'PUT' }),
  resolveCancelerIfExists: () => undefined,
  cancelAllInFlightRequests: () => undefined,
  chunked: () => {
    throw new Error('chunked requests are not part of the harness');
  },
} as unknown as BackendSrv;
