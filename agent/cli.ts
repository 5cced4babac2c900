/**
 * `agent start`: joins a stampede cluster and runs the shards it is given until stopped.
 */
import os from 'node:os';
import { Command } from 'commander';
import { collect, positiveNumber, wholeNumber } from '../shared/cli/flags.js';
import { checkNatsUrl } from '../shared/bus/connection.js';
import { runCli } from '../shared/cli/main.js';
import { addTlsOptions, tlsFromFlags, type TlsFlags } from '../shared/cli/tlsFlags.js';
import { loadConfig } from '../shared/config/config.js';
import { EXIT } from '../shared/errors.js';
import { MAX_WEIGHT } from '../shared/protocol/index.js';
import { AgentDaemon } from './daemon.js';
import { watchParent } from './parentWatch.js';
import { prepareThermal } from './thermal/setup.js';

const program = new Command('agent')
  .description('stampede agent: runs load shards handed out over NATS JetStream')
  .exitOverride();

const start = program
  .command('start')
  .description('join the cluster and run shards until stopped (SIGTERM/SIGINT stop it cleanly)')
  .requiredOption('--nats <url>', 'NATS server URL, e.g. nats://10.0.0.5:4222 (several: comma-separated)')
  .option('--name <name>', 'agent id shown in the roster (letters, digits, _ and -)')
  .option(
    '--threads <n>',
    'worker threads, one shard each (default: the core count)',
    wholeNumber('--threads', 1, 256),
  )
  .option(
    '--weight <w>',
    'load per thread relative to other agents: the planner splits a case by threads x weight (default 1; e.g. 0.5 for a slower machine)',
    positiveNumber('--weight', MAX_WEIGHT),
  )
  .option(
    '--thermal',
    'thermal reference agent: takes only thermal shards; refuses to start without a usable sensor',
  )
  .option(
    '--general',
    'with --thermal: also take general shards (every request of theirs is gated by the thermal governor)',
  )
  .option(
    '--thermal-source <source>',
    'auto | hwmon | thermal_zone | systeminformation | script:PATH | file:PATH | scripted:SPEC',
    'auto',
  )
  .option('--thermal-limits <file>', 'thermal limits JSON (default: config/thermal_limits.json)')
  .option(
    '--config <file>',
    'stress-test config whose cluster section (heartbeat, reconnect, fault timings) this agent uses; layered over config/stress_test_config.json (repeatable)',
    collect,
  )
  .option(
    '--allow-target <host>',
    'a host this agent may send load to, besides loopback (repeatable)',
    (v: string, prev: string[] = []) => [...prev, v.toLowerCase()],
  );
addTlsOptions(start).action(
  async (
    opts: {
      nats: string;
      name?: string;
      threads?: number;
      weight?: number;
      thermal?: boolean;
      general?: boolean;
      thermalSource: string;
      thermalLimits?: string;
      allowTarget?: string[];
      config?: string[];
    } & TlsFlags,
  ) => {
    checkNatsUrl(opts.nats);
    const tls = tlsFromFlags(opts);
    const { cluster } = loadConfig(opts.config ?? []);
    const log = (line: string) => console.error(`[agent ${opts.name ?? os.hostname()}] ${line}`);
    const thermal = opts.thermal
      ? await prepareThermal(opts.thermalSource, opts.thermalLimits, log)
      : undefined;
    const agent = new AgentDaemon({
      natsUrl: opts.nats,
      tls,
      name: opts.name,
      threads: opts.threads,
      weight: opts.weight,
      thermal,
      general: opts.general === true,
      allowTargets: opts.allowTarget ?? [],
      cluster,
      log,
    });
    let stopping = false;
    const shutdown = (signal: string, graceMs?: number) => {
      if (stopping) process.exit(EXIT.cluster);
      stopping = true;
      log(`${signal}: stopping running shards and storing their results`);
      void agent.stop(graceMs).then(() => process.exit(EXIT.ok));
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    // Started by a coordinator (the embedded cluster): do not outlive it.
    watchParent(process.env.STAMPEDE_PARENT_PID, () =>
      shutdown('the coordinator that started this agent is gone', 2000),
    );
    await agent.start();
  },
);

await runCli(program, 'agent');
