/**
 * The target's memory as it sees it, optionally right after a full garbage collection the target
 * performs itself, so a leak of a few KiB per request stands out from garbage not yet collected.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | undefined;

/** V8's gc(), exposed at run time: no --expose-gc needed on the command line. */
function fullGc(): void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
}

export interface MemoryReport {
  /** heapUsed right after a full GC; present when asked with gc=1. */
  heapUsedAfterGc?: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  leakedBytes: number;
  at: number;
}

export function memoryReport(gc: boolean, leakedBytes: number): MemoryReport {
  if (gc) fullGc();
  const usage = process.memoryUsage();
  return {
    ...(gc ? { heapUsedAfterGc: usage.heapUsed } : {}),
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    rss: usage.rss,
    leakedBytes,
    at: Date.now(),
  };
}
