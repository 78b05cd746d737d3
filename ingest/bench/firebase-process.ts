/**
 * The Firebase simulator in a process of its own, for benchmarks: answering thousands of sends in
 * the bench's process would slow the emulated phones whose latency it measures. Prints one JSON
 * line `{url, account}` (a service account it accepts) when listening; each line `stats` on stdin
 * is answered with `{accepted, attempts, firstAt, lastAt}` (epoch ms of the first and last accepted send).
 */
import { createInterface } from 'node:readline';
import { startFirebaseSimulator } from '../src/test/firebase-simulator.ts';

const sim = await startFirebaseSimulator();
const account = sim.createServiceAccount('vigil-bench');
process.stdout.write(`${JSON.stringify({ url: sim.url, account })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'stats') continue;
  const accepted = sim.sent.filter((s) => !s.validateOnly);
  process.stdout.write(
    `${JSON.stringify({
      accepted: accepted.length,
      attempts: sim.attempts.length,
      firstAt: accepted[0]?.at.getTime() ?? null,
      lastAt: accepted.at(-1)?.at.getTime() ?? null,
    })}\n`
  );
}
await sim.close();
