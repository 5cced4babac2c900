/** `coordinator agents`: the live roster as a table. */
import type { Command } from 'commander';
import { EXIT } from '../../shared/errors.js';
import { checkNatsUrl, connectBus, openAgentsBucket } from '../../shared/bus/connection.js';
import { decodeAnnounce, type Announce } from '../../shared/protocol/index.js';
import { refusalOf } from '../cluster/roster.js';
import type { TlsFiles } from '../../shared/bus/security.js';
import { addTlsOptions, tlsFromFlags, type TlsFlags } from '../../shared/cli/tlsFlags.js';

/** Heartbeats older than this are shown as stale; the bucket drops them after a minute. */
const STALE_MS = 5000;

export async function listAgents(
  natsUrl: string,
  tls?: TlsFiles,
): Promise<{ agents: Announce[]; table: string }> {
  const nc = await connectBus({ url: natsUrl, name: 'stampede-coordinator-agents', tls });
  try {
    const kv = await openAgentsBucket(nc);
    const agents: Announce[] = [];
    // The key lister walks the bucket's history as agents keep heartbeating: a key can come twice.
    const keys = new Set<string>();
    for await (const key of await kv.keys()) keys.add(key);
    for (const key of keys) {
      const entry = await kv.get(key);
      if (entry?.operation !== 'PUT') continue;
      try {
        agents.push(decodeAnnounce(entry.value));
      } catch (error) {
        process.stderr.write(`ignoring agent entry ${key}: ${(error as Error).message}\n`);
      }
    }
    agents.sort((a, b) => a.agentId.localeCompare(b.agentId));
    const now = Date.now();
    const rows = [
      [
        'ID',
        'HOST',
        'CORES',
        'THREADS',
        'WEIGHT',
        'MEMORY',
        'CPU',
        'CAPABILITIES',
        'PROTOCOL',
        'LAST HEARTBEAT',
      ],
    ];
    for (const a of agents) {
      const age = now - a.heartbeatAt;
      const refusal = refusalOf(a);
      rows.push([
        a.agentId,
        a.host,
        String(a.cores),
        String(a.threads),
        String(a.weight ?? 1),
        `${(a.memoryBytes / 1024 ** 3).toFixed(1)} GiB`,
        a.cpuModel,
        a.capabilities.join(',') +
          (a.thermal
            ? ` (${a.thermal.sensor}${a.thermal.real ? '' : ', scripted'}, ${a.thermal.state})`
            : ''),
        refusal ? `${a.protocol} (REFUSED)` : String(a.protocol),
        `${(age / 1000).toFixed(1)} s ago${age > STALE_MS ? ' (stale)' : ''}`,
      ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const table = rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n');
    return {
      agents,
      table: agents.length === 0 ? `no agents have announced themselves on ${natsUrl}` : table,
    };
  } finally {
    await nc.close();
  }
}

export function registerAgentsCommand(program: Command): void {
  addTlsOptions(program.command('agents'))
    .description('list the live agents: id, host, cores, memory, CPU, capabilities, protocol, last heartbeat')
    .requiredOption('--nats <url>', 'NATS server of the cluster')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: { nats: string; json?: boolean } & TlsFlags) => {
      checkNatsUrl(flags.nats);
      const { agents, table } = await listAgents(flags.nats, tlsFromFlags(flags));
      process.stdout.write(flags.json ? JSON.stringify(agents, null, 2) + '\n' : table + '\n');
      process.exit(EXIT.ok);
    });
}
