/**
 * A real local cluster for the scale and soak benches: agents started with the agent CLI as a
 * user starts them, `coordinator load` runs, /proc samples of their CPU and memory, and the shard
 * results of a run read back from JetStream.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { decodeResult, STREAMS, SUBJECTS, type ShardResult } from '../shared/protocol/index.js';
import { startProcess, tempConfig, type RunningProcess } from '../tests/helpers/processes.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const AGENT_BIN = path.join(ROOT, 'bin', 'agent.js');
export const COORDINATOR_BIN = path.join(ROOT, 'bin', 'coordinator.js');

/** Starts agents `${prefix}${from}`.. up to `count` of them in all (one thread each), in parallel. */
export async function addAgents(
  natsUrl: string,
  agents: RunningProcess[],
  count: number,
  prefix = 'a',
): Promise<void> {
  const started: RunningProcess[] = [];
  for (let i = agents.length + 1; i <= count; i++) {
    started.push(
      startProcess(AGENT_BIN, ['start', '--nats', natsUrl, '--threads', '1', '--name', `${prefix}${i}`]),
    );
  }
  agents.push(...started);
  await Promise.all(started.map((a) => a.waitFor(/ready: \d+ threads/, 120_000)));
}

export async function stopAll(processes: RunningProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.stop()));
}

export interface ProcSample {
  cpuSeconds: number;
  rssMb: number;
  /** Peak resident set so far (VmHWM). */
  peakRssMb: number;
}

/** CPU time and memory of a live process from /proc, or undefined once it is gone. */
export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return {
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
      rssMb: kb('VmRSS') / 1024,
      peakRssMb: kb('VmHWM') / 1024,
    };
  } catch {
    return undefined;
  }
}

/** `coordinator load` with the given flags, its reports in a temporary directory. */
export function startLoad(
  natsUrl: string,
  agents: number,
  flags: string[],
): { run: RunningProcess; dir: string } {
  const { dir, file } = tempConfig({ cluster: { agentWaitMs: 60_000 } });
  const args = [
    'load',
    '--nats',
    natsUrl,
    '--agents',
    String(agents),
    '--config',
    file,
    '--reports-dir',
    dir,
  ];
  return { run: startProcess(COORDINATOR_BIN, [...args, ...flags]), dir };
}

/** Samples `pid` every `everyMs` until `done` settles; returns the last sample and the peak RSS. */
export async function watchProc(
  pid: number,
  done: Promise<unknown>,
  everyMs = 200,
): Promise<{ last?: ProcSample; peakRssMb: number }> {
  let last: ProcSample | undefined;
  let peakRssMb = 0;
  const tick = () => {
    const s = sampleProc(pid);
    if (s) [last, peakRssMb] = [s, Math.max(peakRssMb, s.peakRssMb)];
  };
  const timer = setInterval(tick, everyMs);
  tick();
  await done;
  clearInterval(timer);
  return { last, peakRssMb };
}

/** The shard results a run stored, read back from the runs stream (at most `count`). */
export async function storedResults(natsUrl: string, runId: string, count: number): Promise<ShardResult[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const consumer = await jetstream(nc).consumers.get(STREAMS.runs, {
      filter_subjects: SUBJECTS.resultsOf(runId),
    });
    const results: ShardResult[] = [];
    while (results.length < count) {
      const m = await consumer.next({ expires: 2000 });
      if (!m) break;
      results.push(decodeResult(m.data));
    }
    return results;
  } finally {
    await nc.close();
  }
}
