/** Facts about this host for the announce, from systeminformation with os as the fallback. */
import os from 'node:os';
import si from 'systeminformation';

export interface HostFacts {
  host: string;
  cores: number;
  memoryBytes: number;
  cpuModel: string;
  platform: string;
  node: string;
}

export async function readHostFacts(): Promise<HostFacts> {
  const [cpu, mem] = await Promise.all([si.cpu().catch(() => null), si.mem().catch(() => null)]);
  const model = cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : (os.cpus()[0]?.model ?? 'unknown');
  return {
    host: os.hostname(),
    cores: cpu?.cores || os.availableParallelism(),
    memoryBytes: mem?.total ?? os.totalmem(),
    cpuModel: model.slice(0, 200),
    platform: `${os.platform()} ${os.release()}`.slice(0, 200),
    node: process.version,
  };
}
