import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100;

/**
 * utime + stime of a process (or of one of its threads) in seconds, fields 14 and 15 of its
 * /proc stat: its CPU time, not wall time.
 */
export async function cpuSeconds(pid: number, tid?: number): Promise<number> {
  const stat = await readFile(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The MariaDB server's process id. */
export async function mariadbPid(): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (comm === 'mariadbd' || comm === 'mysqld') return Number(entry);
  }
  throw new Error('no mariadbd process found');
}

/**
 * CPU-seconds of the MariaDB threads serving connections to one database (one thread per
 * connection; PROCESSLIST.TID is its Linux thread id), so a shared server's other clients are not
 * counted. Sampled while it runs, as connections come and go; InnoDB's own background threads
 * (purge, page flushing) are not counted, so this is a lower bound of the server's work.
 */
export function databaseThreadsCpu(
  query: (sql: string, database: string) => Promise<{ TID: number | string }[]>,
  serverPid: number,
  database: string
) {
  const seen = new Map<number, { first: number; last: number }>();
  const sample = async () => {
    for (const { TID } of await query('SELECT TID FROM information_schema.PROCESSLIST WHERE DB = ?', database)) {
      const tid = Number(TID);
      const cpu = await cpuSeconds(serverPid, tid).catch(() => undefined);
      if (cpu === undefined) continue;
      const entry = seen.get(tid);
      if (entry) entry.last = cpu;
      else seen.set(tid, { first: cpu, last: cpu });
    }
  };
  return {
    sample,
    total: () => [...seen.values()].reduce((a, t) => a + t.last - t.first, 0),
  };
}
