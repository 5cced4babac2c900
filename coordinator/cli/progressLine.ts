/** The live progress line printed while a case runs, from the agents' cumulative snapshots. */
import type { CaseRun } from '../dispatch/runState.js';

export function progressLine(run: CaseRun): string {
  let ops = 0;
  let ok = 0;
  let running = 0;
  let done = 0;
  for (const s of run.shards) {
    const figures = s.accepted ?? s.lastProgress;
    ops += figures?.ops ?? 0;
    ok += figures?.ok ?? 0;
    if (s.state === 'running') running += 1;
    if (s.state === 'done') done += 1;
  }
  const rate = ops > 0 ? ` ${((ok / ops) * 100).toFixed(1)}% ok` : '';
  return `  … ${run.planned.id}: ${done}/${run.shards.length} shards done, ${running} running, ${ops} ops${rate}`;
}
