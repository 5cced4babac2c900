/**
 * What `run` and `load` share: the cluster, config and report flags, the run request built from
 * them, Ctrl-C handling, and how a finished run is printed and turned into the exit code.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { checkNatsUrl } from '../../shared/bus/connection.js';
import { collect, positiveNumber, wholeNumber } from '../../shared/cli/flags.js';
import { addTlsOptions, tlsFromFlags, type TlsFlags } from '../../shared/cli/tlsFlags.js';
import { loadConfig, type StressConfig } from '../../shared/config/config.js';
import { EXIT } from '../../shared/errors.js';
import type { RunOutcome, RunRequest } from '../run/request.js';
import { envTimeoutSec } from './env.js';
import { addLiveOptions, type LiveFlags, type LiveSession } from './liveOptions.js';

export const log = (line: string) => process.stderr.write(`${line}\n`);

/** Resolves on the first Ctrl-C; a second one exits at once. */
function interruption(): Promise<void> {
  return new Promise((resolve) => {
    let firstAt = 0;
    const onSignal = () => {
      // npx forwards the terminal's signal too: a repeat within a second is the same Ctrl-C.
      if (firstAt !== 0) {
        if (Date.now() - firstAt > 1000) process.exit(EXIT.interrupted);
        return;
      }
      firstAt = Date.now();
      log(
        'interrupted: stopping agents, writing the reports with what was measured (Ctrl-C again to quit at once)',
      );
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export interface CommonFlags extends LiveFlags, TlsFlags {
  nats?: string;
  replicas?: number;
  agents?: number;
  config?: string[];
  timeout?: number;
  reportsDir: string;
  store?: string;
  saveReport?: string;
  exportJson?: boolean;
  debug?: boolean;
  ca?: string;
  insecure?: boolean;
}

export function addCommonOptions(command: Command): Command {
  return addTlsOptions(addLiveOptions(command))
    .option(
      '--nats <url>',
      'NATS server of a running cluster, or its nodes comma-separated (default: start the embedded cluster)',
    )
    .option(
      '--replicas <n>',
      'copies of each stream; 3 on a 3-node cluster survives the loss of a node (default 1)',
      wholeNumber('--replicas', 1, 5),
    )
    .option(
      '--agents <n>',
      'agents to wait for (default: 2 local agents in the embedded cluster, 1 with --nats)',
      wholeNumber('--agents', 1, 1000),
    )
    .option(
      '--config <file>',
      'stress-test config layered over config/stress_test_config.json (repeatable)',
      collect,
    )
    .option(
      '--timeout <sec>',
      'stop the run after this many seconds (default: $STRESS_TEST_TIMEOUT)',
      positiveNumber('--timeout', 7 * 24 * 3600),
    )
    .option('--reports-dir <dir>', 'where reports are written', 'reports')
    .option(
      '--store <dir>',
      "the embedded cluster's JetStream store, kept so a run can be resumed (default: .stampede-store in the reports directory)",
    )
    .option('--save-report <file>', 'also copy the text report to this file')
    .option(
      '--export-json',
      'print the JSON report on stdout (it is always written to the reports directory)',
    )
    .option('--debug', "echo the embedded cluster's logs")
    .option('--ca <file>', 'PEM CA certificates agents trust for an https:// target (sent in each shard)')
    .option('--insecure', 'do not verify the TLS certificate of an https:// target (recorded in the report)');
}

/** The layered config, its warnings logged. */
export function loadRunConfig(flags: CommonFlags): StressConfig {
  const config = loadConfig(flags.config ?? []);
  for (const warning of config.warnings) log(`warning: ${warning}`);
  if (flags.insecure) log('warning: --insecure: agents will not verify the TLS certificate of the target');
  return config;
}

export function baseRequest(
  flags: CommonFlags,
  live: LiveSession,
): Omit<RunRequest, 'mode' | 'suites' | 'skippedSuites' | 'cases' | 'requireThermal' | 'config' | 'target'> {
  if (flags.nats) checkNatsUrl(flags.nats);
  return {
    natsUrl: flags.nats,
    tls: tlsFromFlags(flags),
    replicas: flags.replicas,
    agents: flags.agents ?? (flags.nats ? 1 : 2),
    timeoutSec: flags.timeout ?? envTimeoutSec(),
    reportsDir: path.resolve(flags.reportsDir),
    storeDir: flags.store && path.resolve(flags.store),
    saveReport: flags.saveReport,
    debug: flags.debug,
    log: live.log,
    onProgress: live.onProgress,
    onPlanned: live.onPlanned,
    interrupted: interruption(),
  };
}

export async function finish(
  outcome: RunOutcome,
  flags: CommonFlags,
  summary: string,
  live: LiveSession,
  interrupted: Promise<void>,
): Promise<never> {
  live.finished(outcome.report);
  if (flags.exportJson) process.stdout.write(`${JSON.stringify(outcome.report, null, 2)}\n`);
  else live.summary(summary);
  const w = outcome.written;
  log(`reports: ${[w.text, w.json, w.html, w.junit, w.saved].filter(Boolean).join('\n         ')}`);
  for (const f of w.failed) log(`report ${f.format} not written: ${f.message}`);
  await live.close(interrupted);
  process.exit(outcome.exitCode);
}
