/**
 * `coordinator runs`: the runs stored in a cluster's runs stream (or the embedded default's kept
 * store), and which of them `coordinator resume` can finish.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { checkNatsUrl } from '../../shared/bus/connection.js';
import { loadConfig } from '../../shared/config/config.js';
import { EXIT } from '../../shared/errors.js';
import { startEmbeddedNats, type EmbeddedCluster } from '../cluster/embedded.js';
import { log } from './common.js';
import { addTlsOptions, tlsFromFlags, type TlsFlags } from '../../shared/cli/tlsFlags.js';
import { connectCoordinator, type BusAccess } from '../run/joinBus.js';
import { leasedRuns, listStoredRuns, type RunSummary } from '../run/storedRun.js';
import { storeDirOf, type StoreFlags } from './resumeCommand.js';

export interface ListedRun extends RunSummary {
  /** A coordinator's lease for it was heard: it runs now. */
  live: boolean;
  /** `coordinator resume` can finish it. */
  canResume: boolean;
}

function table(runs: ListedRun[]): string {
  const rows = [['RUN ID', 'CREATED', 'SELECTION', 'SETTLED', 'STATUS', 'RESUME']];
  for (const r of runs)
    rows.push([
      r.runId,
      new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19),
      r.selection.join(','),
      `${r.settled}/${r.shards} shards`,
      r.live ? 'running' : r.status === 'running' ? 'coordinator gone' : r.status,
      r.canResume ? 'yes' : 'no',
    ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function listRuns(access: BusAccess, all: boolean): Promise<ListedRun[]> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const { cluster } = loadConfig();
    const connection = await connectCoordinator(access, cluster, log, cleanups);
    const [stored, live] = await Promise.all([
      listStoredRuns(connection, connection.rejected),
      leasedRuns(connection.nc, 2.5 * cluster.leasePeriodMs),
    ]);
    const listed = stored.map((r) => {
      const isLive = live.has(r.runId);
      return { ...r, live: isLive, canResume: r.resumable && !isLive && r.status !== 'completed' };
    });
    return listed.filter((r) => all || r.canResume).sort((a, b) => a.createdAt - b.createdAt);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

export function registerRunsCommand(program: Command): void {
  addTlsOptions(program.command('runs'))
    .description('list the stored runs that "coordinator resume" can finish (--all: every stored run)')
    .option('--nats <url>', "NATS server of the runs' cluster (default: the embedded store)")
    .option('--store <dir>', `the embedded store to read (default: .stampede-store in the reports directory)`)
    .option('--reports-dir <dir>', 'reports directory whose embedded store is read', 'reports')
    .option('--all', 'every stored run, finished ones too')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: StoreFlags & TlsFlags & { all?: boolean; json?: boolean }) => {
      let embedded: EmbeddedCluster | undefined;
      let natsUrl = flags.nats && checkNatsUrl(flags.nats);
      if (!natsUrl) {
        const store = storeDirOf(flags);
        if (!existsSync(path.join(store, 'jetstream'))) {
          process.stdout.write(`no runs: no embedded store at ${store} (pass --nats URL for a cluster)\n`);
          process.exit(EXIT.ok);
        }
        embedded = await startEmbeddedNats(store, {});
        if (!embedded.storeDir) {
          await embedded.stop();
          process.stdout.write(
            `the store ${store} is in use by a running coordinator; pass --nats URL of its cluster\n`,
          );
          process.exit(EXIT.ok);
        }
        natsUrl = embedded.natsUrl;
      }
      try {
        const access = { natsUrl, connection: embedded ? embedded.connection : { tls: tlsFromFlags(flags) } };
        const runs = await listRuns(access, flags.all === true);
        const empty = flags.all ? 'no stored runs' : 'no run to resume (--all lists every stored run)';
        process.stdout.write(
          flags.json ? `${JSON.stringify(runs, null, 2)}\n` : `${runs.length ? table(runs) : empty}\n`,
        );
      } finally {
        await embedded?.stop();
      }
      process.exit(EXIT.ok);
    });
}
