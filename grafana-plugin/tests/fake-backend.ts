import type { OrgRole } from '@grafana/data';
import { config, setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { defer, type Observable } from 'rxjs';
import { API_BASE } from '../src/constants.ts';

/**
 * A stand-in for Grafana's backend service in component tests: replies per method and admin-API
 * path, records every call, and fails the way BackendSrv does (`{status, data}`).
 */

export type FakeCall = { method: string; path: string; query: Record<string, string>; body: unknown };
export type FakeReply = { status?: number; body?: unknown };
type Responder = (call: FakeCall) => FakeReply | Promise<FakeReply>;

export type FakeBackend = {
  calls: FakeCall[];
  /** Answers `method path` (admin-API path without the query, e.g. `/studies/1`) from now on. */
  on(method: string, path: string, reply: FakeReply | Responder): FakeBackend;
  /** Calls other than GET: the changes a page asked for. */
  changes(): FakeCall[];
};

export function installFakeBackend(): FakeBackend {
  const routes = new Map<string, Responder>();
  const calls: FakeCall[] = [];

  const answer = async (options: BackendSrvRequest) => {
    const url = new URL(options.url, 'http://grafana.test/');
    const method = options.method ?? 'GET';
    const path = decodeURIComponent(url.pathname).replace(/^\//, '').replace(API_BASE, '') || '/';
    const call: FakeCall = { method, path, query: Object.fromEntries(url.searchParams), body: options.data };
    calls.push(call);
    const responder = routes.get(`${method} ${path}`);
    const reply: FakeReply = responder
      ? await responder(call)
      : { status: 404, body: { error: { code: 'NOT_FOUND', message: `no route for ${method} ${path}` } } };
    const status = reply.status ?? 200;
    const response = { data: reply.body, status, statusText: String(status), ok: status < 300, config: options };
    // BackendSrv rejects with the response itself (a FetchError), not an Error.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (status >= 300) throw response;
    return response;
  };

  setBackendSrv({
    fetch: (options: BackendSrvRequest): Observable<unknown> => defer(() => answer(options)),
  } as unknown as BackendSrv);

  const backend: FakeBackend = {
    calls,
    on(method, path, reply) {
      routes.set(`${method} ${path}`, typeof reply === 'function' ? reply : () => reply);
      return backend;
    },
    changes: () => calls.filter((c) => c.method !== 'GET'),
  };
  return backend;
}

/** The Grafana organisation role the pages see for the signed-in user. */
export function signInAs(orgRole: `${OrgRole}`): void {
  config.bootData.user = { ...config.bootData.user, orgRole: orgRole as OrgRole };
}

/** An ingest error as the admin API renders it. */
export function ingestError(
  status: number,
  code: string,
  message: string,
  fields?: { field: string; message: string }[]
) {
  return { status, body: { error: { code, message, ...(fields ? { fields } : {}) } } };
}

export function page<T>(items: T[], total = items.length) {
  return { body: { items, total, limit: 50, offset: 0 } };
}
