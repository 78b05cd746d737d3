import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100;

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat): its CPU time, not wall time. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
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
