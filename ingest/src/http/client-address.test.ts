import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.ts';

describe('clientAddress', () => {
  const app = (trustProxy: boolean) => new Hono().get('/', (c) => c.text(clientAddress(c, trustProxy)));
  const ask = async (trustProxy: boolean, headers: Record<string, string>, env?: unknown) =>
    (await app(trustProxy).request('/', { headers }, env)).text();
  const socket = { incoming: { socket: { remoteAddress: '192.0.2.7' } } };

  it('behind a trusted proxy is the last X-Forwarded-For entry, the one the proxy added', async () => {
    expect(await ask(true, { 'x-forwarded-for': '203.0.113.9, 198.51.100.4' }, socket)).toBe('198.51.100.4');
  });

  it('without a trusted proxy is the socket, whatever the client claims', async () => {
    expect(await ask(false, { 'x-forwarded-for': '203.0.113.9' }, socket)).toBe('192.0.2.7');
    expect(await ask(true, {}, socket)).toBe('192.0.2.7');
  });

  it('names requests handed to the app in-process, which have no socket', async () => {
    expect(await ask(false, {})).toBe('in-process');
  });
});
