/**
 * One embedded nats-server per store directory: two servers on one JetStream store would corrupt
 * it. The lock file names the coordinator and its nats-server; it is stale once both are gone
 * (a coordinator killed with SIGKILL leaves it behind, and the next run takes it over).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const LOCK_FILE = 'stampede.lock';

export interface StoreLock {
  held: boolean;
  /** Why it is not held. */
  reason?: string;
  /** Adds the nats-server's PID to the lock. */
  note(natsPid: number): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holders(file: string): number[] {
  try {
    return readFileSync(file, 'utf8')
      .split(/\s+/)
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 1);
  } catch {
    return [];
  }
}

export function lockStore(storeDir: string): StoreLock {
  mkdirSync(storeDir, { recursive: true });
  const file = path.join(storeDir, LOCK_FILE);
  const write = (pids: number[], flag: 'wx' | 'w') => writeFileSync(file, pids.join(' '), { flag });
  try {
    write([process.pid], 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const live = holders(file).filter(alive);
    if (live.length > 0)
      return {
        held: false,
        reason: `the store ${storeDir} is in use by process ${live.join(', ')}`,
        note: () => undefined,
        release: () => undefined,
      };
    write([process.pid], 'w');
  }
  return {
    held: true,
    note: (natsPid) => write([process.pid, natsPid], 'w'),
    release: () => rmSync(file, { force: true }),
  };
}
