/**
 * Summarises a V8 `.cpuprofile` (from `--cpu-prof`, e.g. `BENCH_CPU_PROF=dir` on the participant-day
 * bench): the functions with the most self time, and the share of samples whose stack passes through
 * each of a few landmarks of the ingest (receive path, worker, archive seal, fsyncs, …), so a change
 * can be judged by where the CPU went, not only by how much. Not part of `npm run bench`: a tool.
 *
 *     npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top=30]
 */
import { readFile } from 'node:fs/promises';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** Landmarks: a sample counts for one when a frame of its stack matches (inclusive time). */
const LANDMARKS: [label: string, test: (f: Node['callFrame']) => boolean][] = [
  ['mobile endpoint (whole receive path)', (f) => f.url.endsWith('beiwe/mobile/routes.ts')],
  ['  readGatedBody (reading the body)', (f) => f.functionName === 'readGatedBody'],
  ['  parseMobileBody (form/multipart)', (f) => f.functionName === 'parseMobileBody'],
  ['  receiveUpload', (f) => f.functionName === 'receiveUpload'],
  ['    checkKeyLine (RSA)', (f) => f.functionName === 'checkKeyLine'],
  ['    archiveUpload (hash + archive put)', (f) => f.functionName === 'archiveUpload'],
  ['    archive put (seal + store)', (f) => f.url.endsWith('uploads/archive.ts') && f.functionName === 'put'],
  ['      sealArchiveObject', (f) => f.functionName === 'sealArchiveObject'],
  [
    '      local store put (write + fsync)',
    (f) => f.url.endsWith('archive/local-store.ts') && f.functionName === 'put',
  ],
  ['    store → db transaction', (f) => f.url.endsWith('uploads/receive.ts') && f.functionName === 'store'],
  ['worker (processNextJob)', (f) => f.functionName === 'processNextJob'],
  ['  decryptUpload (archive read back + Beiwe decrypt)', (f) => f.functionName === 'decryptUpload'],
  ['    openArchiveObject (AES-GCM + brotli decompress)', (f) => f.functionName === 'openArchiveObject'],
  ['    decryptBeiweFile (RSA key line + AES-CBC)', (f) => f.functionName === 'decryptBeiweFile'],
  ['  stream parse (CSV to rows)', (f) => f.url.endsWith('streams/processor.ts') && f.functionName === 'parse'],
  ['  loadRows (LOAD DATA, client side)', (f) => f.functionName === 'loadRows'],
  ['  rollups', (f) => f.url.endsWith('streams/rollups.ts')],
  ['knex / mysql2 (anywhere)', (f) => /node_modules\/(knex|mysql2)\//.test(f.url)],
  ['hono / node-server (anywhere)', (f) => /node_modules\/(hono|@hono)\//.test(f.url)],
  ['busboy (anywhere)', (f) => /node_modules\/(busboy|streamsearch)\//.test(f.url)],
  ['(garbage collector)', (f) => f.functionName === '(garbage collector)'],
  ['(program)', (f) => f.functionName === '(program)'],
];

async function main() {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 30);
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    total += us;
    if (byId.get(id)!.callFrame.functionName === '(idle)') idle += us;
  }
  const busy = total - idle;

  // Inclusive time per landmark: each sample's stack counted once per landmark.
  const landmarkUs = LANDMARKS.map(() => 0);
  const stackMemo = new Map<number, boolean[]>();
  const hits = (id: number): boolean[] => {
    const memo = stackMemo.get(id);
    if (memo) return memo;
    const own = LANDMARKS.map(([, test]) => test(byId.get(id)!.callFrame));
    const up = parent.get(id);
    const result = up === undefined ? own : hits(up).map((h, i) => h || own[i]!);
    stackMemo.set(id, result);
    return result;
  };
  for (const [id, us] of selfUs) hits(id).forEach((h, i) => h && (landmarkUs[i]! += us));

  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)} %`;
  console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle)`);
  console.log('\n| landmark (inclusive, share of busy) | s | % |\n|---|---:|---:|');
  LANDMARKS.forEach(([label], i) => {
    if (landmarkUs[i]! > 0) console.log(`| ${label} | ${(landmarkUs[i]! / 1e6).toFixed(2)} | ${pct(landmarkUs[i]!)} |`);
  });

  // Self time per function (same name and place merged).
  const selfByFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules\/|src\/)/, '$1')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
  }
  // Self time per source: a package, a file of ours, or a V8/Node pseudo-frame. Await breaks the stacks
  // of async code, so landmarks undercount what runs after an await; self time per source does not.
  const selfBySource = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const source = f.url
      ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1] ?? f.url.replace(/^.*\/src\//, 'src/'))
      : f.functionName.startsWith('(')
        ? f.functionName
        : `(native) ${f.functionName}`;
    selfBySource.set(source, (selfBySource.get(source) ?? 0) + us);
  }
  console.log(`\n| top ${top} sources by self time | s | % |\n|---|---:|---:|`);
  for (const [key, us] of [...selfBySource].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`| ${key} | ${(us / 1e6).toFixed(2)} | ${pct(us)} |`);

  console.log(`\n| top ${top} functions by self time | s | % |\n|---|---:|---:|`);
  for (const [key, us] of [...selfByFn].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`| ${key} | ${(us / 1e6).toFixed(2)} | ${pct(us)} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
