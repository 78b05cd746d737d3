import { parseArgs } from 'node:util';
import type { Credentials, SimulationOptions } from './simulate.ts';
import { formatSummary, runSimulation } from './simulate.ts';

/**
 * Simulates N Beiwe phones uploading M hours of data to a running Vigil server.
 *
 *   npx tsx ingest/src/test/phone-emulator/cli.ts --server http://127.0.0.1:8080 --phones 5 --hours 2 \
 *     --os mixed --credentials pid1:temppass1,pid2:temppass2
 *   npx tsx ingest/src/test/phone-emulator/cli.ts --server http://127.0.0.1:8080 --phones 5 --hours 2 \
 *     --admin-secret <secret> --study <studyId>
 *
 * Test tooling only: the one place in the emulator that reads process.argv.
 */

const usage = `options:
  --server URL            Vigil base URL (required; loopback expected)
  --phones N              number of phones (default: 1, or one per --credentials entry)
  --hours H               hours of data per phone (default 1)
  --os android|ios|mixed  (default mixed: alternating)
  --credentials pid:pw,…  existing participants' Beiwe ids and temporary passwords
  --admin-secret S --study ID   create participants through the admin API instead
  --concurrency N         phones in flight at once (default 8)
  --seed S                data seed (default phone-emulator)
  --from ISO-TIME         start of the simulated data (default: now minus --hours)`;

function parseOptions(argv: string[]): SimulationOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      phones: { type: 'string' },
      hours: { type: 'string', default: '1' },
      os: { type: 'string', default: 'mixed' },
      credentials: { type: 'string' },
      'admin-secret': { type: 'string' },
      study: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      seed: { type: 'string', default: 'phone-emulator' },
      from: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.server) throw new Error(usage);
  const os = values.os;
  if (os !== 'android' && os !== 'ios' && os !== 'mixed')
    throw new Error(`--os must be android, ios or mixed\n${usage}`);
  const credentials = values.credentials?.split(',').map((pair): Credentials => {
    const at = pair.indexOf(':');
    if (at <= 0) throw new Error(`--credentials entries look like pid:temporaryPassword, not "${pair}"`);
    return { patientId: pair.slice(0, at).trim(), temporaryPassword: pair.slice(at + 1).trim() };
  });
  const admin =
    values['admin-secret'] && values.study ? { secret: values['admin-secret'], studyId: values.study } : undefined;
  if (!credentials && !admin) throw new Error(`give --credentials, or --admin-secret and --study\n${usage}`);
  const phones = positive('--phones', values.phones ?? String(credentials?.length ?? 1));
  if (credentials && phones > credentials.length)
    throw new Error(`--phones ${phones} but only ${credentials.length} credentials`);
  const hours = positive('--hours', values.hours);
  const from = values.from === undefined ? Date.now() - hours * 3_600_000 : Date.parse(values.from);
  if (Number.isNaN(from)) throw new Error(`--from is not a date: ${values.from}`);
  const options: SimulationOptions = {
    server: values.server,
    phones,
    hours,
    os,
    concurrency: positive('--concurrency', values.concurrency),
    seed: values.seed,
    from,
    log: (line) => console.log(line),
  };
  if (credentials) options.credentials = credentials;
  if (admin) options.admin = admin;
  return options;
}

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${text}"`);
  return n;
}

try {
  const summary = await runSimulation(parseOptions(process.argv.slice(2)));
  console.log(formatSummary(summary));
  if (summary.registered < summary.phones) process.exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
