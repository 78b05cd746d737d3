import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server, for database faults: `hang()` stops forwarding (connections
 * stay open, bytes are held, as with a stalled server or a black-holed network), `kill()` drops every
 * connection and refuses new ones (a server killed), `restore()` goes back to forwarding.
 */
export type TcpProxy = {
  readonly port: number;
  hang(): void;
  kill(): void;
  restore(): void;
  close(): Promise<void>;
};

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'open' | 'hung' | 'down' = 'open';
  const held: { to: Socket; data: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    if (mode === 'down') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    const forward = (to: Socket) => (data: Buffer) => {
      if (mode === 'hung') held.push({ to, data });
      else to.write(data);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    hang() {
      mode = 'hung';
    },
    kill() {
      mode = 'down';
      held.length = 0;
      for (const s of sockets) s.destroy();
    },
    restore() {
      mode = 'open';
      for (const { to, data } of held.splice(0)) if (!to.destroyed) to.write(data);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
