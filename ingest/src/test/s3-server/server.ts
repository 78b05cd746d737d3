import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ArchiveS3Config } from '../../archive/config.ts';
import { createS3Client } from '../../archive/s3-store.ts';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.ts';

export const TEST_BUCKET = 'vigil-test';

export type S3Server = {
  /** Through `proxy`, so a test can take the bucket down (`proxy.kill()`) or stall it (`proxy.hang()`). */
  readonly endpoint: string;
  readonly proxy: TcpProxy;
  /** Where s3rver keeps the objects on disk (one file per object), to read what the bucket holds at rest. */
  readonly directory: string;
  config(overrides?: Partial<ArchiveS3Config>): ArchiveS3Config;
  client(overrides?: Partial<ArchiveS3Config>): S3Client;
  stop(): Promise<void>;
};

/**
 * A real S3-compatible server (s3rver, speaking the S3 REST API over HTTP) in a child process, with
 * a bucket `vigil-test`. s3rver signs its ListObjectsV2 continuation tokens with DES, which Node's
 * OpenSSL 3 offers only with the legacy provider.
 */
export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'vigil-s3-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url)), directory],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^\{"port":(\d+)\}$/m.exec(output);
      if (line) resolve(Number(line[1]));
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening:\n${output}`)));
  });
  const proxy = await startTcpProxy({ host: '127.0.0.1', port });
  const endpoint = `http://127.0.0.1:${proxy.port}`;
  const config = (overrides: Partial<ArchiveS3Config> = {}): ArchiveS3Config => ({
    bucket: TEST_BUCKET,
    prefix: 'archive',
    endpoint,
    region: 'us-east-1',
    // s3rver's fixed credentials.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestTimeoutMs: 2_000,
    ...overrides,
  });
  return {
    endpoint,
    proxy,
    directory,
    config,
    client: (overrides) => createS3Client(config(overrides)),
    async stop() {
      await proxy.close();
      child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
