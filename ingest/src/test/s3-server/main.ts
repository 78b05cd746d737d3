/**
 * An S3-compatible server (s3rver) for tests, run as its own process by `startS3Server`: prints
 * `{"port":N}` once listening, stops on SIGTERM. Argument: the directory that holds its buckets.
 */
import S3rver from 's3rver';

const [directory] = process.argv.slice(2);
if (!directory) throw new Error('usage: main.ts DIRECTORY');
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: 'vigil-test', configs: [] }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
