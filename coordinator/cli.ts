/**
 * The coordinator CLI: `run` (stress suites), `load` (ad-hoc distributed HTTP load), `agents`
 * (the live roster), `report` (re-render a saved JSON report) and `compare` (two saved reports).
 * Exit codes: 0 all thresholds held, 1 some failed, 2 usage or config error, 3 the cluster failed
 * (NATS unreachable, agents missing, run timed out), 130 interrupted.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { ADHOC_LOAD_CASE } from '../shared/catalogue.js';
import { checkNatsUrl } from '../shared/bus.js';
import { runCli } from '../shared/cliMain.js';
import { loadConfig } from '../shared/config.js';
import { EXIT } from '../shared/errors.js';
import { listAgents } from './agentsCommand.js';
import { registerCompareCommand } from './cli/compareCommand.js';
import { addLiveOptions, type LiveFlags, type LiveSession, openLive } from './cli/liveOptions.js';
import { registerReportCommand } from './cli/reportCommand.js';
import { envConcurrency, envMemoryLimitBytes, envTimeoutSec } from './env.js';
import { body, collect, durationMs, header, httpUrl, positiveNumber, wholeNumber } from './flags.js';
import { renderLoadSummary } from './report/loadSummary.js';
import { executeRun, type RunOutcome, type RunRequest } from './runExecution.js';
import { resolveSelection, selectedCases } from './selection.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Resolves on the first Ctrl-C; a second one exits at once. */
function interruption(): Promise<void> {
  return new Promise((resolve) => {
    let firstAt = 0;
    const onSignal = () => {
      // npx forwards the terminal's signal too: a repeat within a second is the same Ctrl-C.
      if (firstAt !== 0) {
        if (Date.now() - firstAt > 1000) process.exit(130);
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

interface CommonFlags extends LiveFlags {
  nats?: string;
  agents?: number;
  config?: string[];
  timeout?: number;
  reportsDir: string;
  saveReport?: string;
  exportJson?: boolean;
  debug?: boolean;
}

function addCommonOptions(command: Command): Command {
  return addLiveOptions(command)
    .option('--nats <url>', 'NATS server of a running cluster (default: start the embedded cluster)')
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
    .option('--save-report <file>', 'also copy the text report to this file')
    .option(
      '--export-json',
      'print the JSON report on stdout (it is always written to the reports directory)',
    )
    .option('--debug', "echo the embedded cluster's logs");
}

function baseRequest(
  flags: CommonFlags,
  live: LiveSession,
): Omit<RunRequest, 'mode' | 'suites' | 'skippedSuites' | 'cases' | 'requireThermal' | 'config' | 'target'> {
  if (flags.nats) checkNatsUrl(flags.nats);
  return {
    natsUrl: flags.nats,
    agents: flags.agents ?? (flags.nats ? 1 : 2),
    timeoutSec: flags.timeout ?? envTimeoutSec(),
    reportsDir: path.resolve(flags.reportsDir),
    saveReport: flags.saveReport,
    debug: flags.debug,
    log: live.log,
    onProgress: live.onProgress,
    interrupted: interruption(),
  };
}

async function finish(
  outcome: RunOutcome,
  flags: CommonFlags,
  summary: string,
  live: LiveSession,
  interrupted: Promise<void>,
): Promise<never> {
  live.finished(outcome.report);
  if (flags.exportJson) process.stdout.write(JSON.stringify(outcome.report, null, 2) + '\n');
  else live.summary(summary);
  const w = outcome.written;
  log(`reports: ${[w.text, w.json, w.html, w.junit, w.saved].filter(Boolean).join('\n         ')}`);
  for (const f of w.failed) log(`report ${f.format} not written: ${f.message}`);
  await live.close(interrupted);
  process.exit(outcome.exitCode);
}

const program = new Command('coordinator')
  .description(
    'stampede coordinator: splits stress suites into shards, runs them on agents over NATS JetStream, merges one report',
  )
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

addCommonOptions(
  program
    .command('run')
    .description('run stress suites and write the text and JSON reports')
    .option('--all', 'every suite')
    .option('--quick', 'the fast suites (concurrency, edges)')
    .option(
      '--suite <name>',
      'a suite by name (repeatable): concurrency, memory, thermal, network, edges, limits',
      collect,
    )
    .option('--no-thermal', 'leave the thermal suite out')
    .option(
      '--target <url>',
      'the service under test (default: the bundled reference target)',
      httpUrl('--target'),
    ),
).action(
  async (
    flags: CommonFlags & {
      all?: boolean;
      quick?: boolean;
      suite?: string[];
      thermal: boolean;
      target?: string;
    },
  ) => {
    const selection = resolveSelection(flags);
    const config = loadConfig(flags.config ?? []);
    const concurrency = envConcurrency();
    if (concurrency !== undefined) {
      const c = config.cases.get('concurrency.high_concurrent_requests');
      if (c)
        config.cases.set('concurrency.high_concurrent_requests', {
          ...c,
          load: { ...c.load, connections: concurrency, requests: concurrency },
        });
    }
    const memoryLimit = envMemoryLimitBytes();
    if (memoryLimit !== undefined) {
      // Every memory case samples the target's peak RSS; the limit replaces its configured bound.
      for (const [id, c] of config.cases) {
        if (!id.startsWith('memory.')) continue;
        const others = c.thresholds.filter((t) => t.metric !== 'gauge.peakRssBytes');
        config.cases.set(id, {
          ...c,
          thresholds: [
            ...others,
            {
              metric: 'gauge.peakRssBytes',
              op: '<=',
              value: memoryLimit,
              description: 'target resident memory under STRESS_TEST_MEMORY_LIMIT',
            },
          ],
        });
      }
    }
    const cases = selectedCases(selection, config);
    const live = await openLive(flags, { mode: selection.mode, target: flags.target, cases });
    live.log(
      `suites: ${selection.suites.join(', ')}${selection.skipped.map((s) => `; skipping ${s.suite} (${s.reason})`).join('')}`,
    );
    const request = baseRequest(flags, live);
    const outcome = await executeRun({
      ...request,
      mode: selection.mode,
      suites: selection.suites,
      skippedSuites: selection.skipped,
      cases,
      requireThermal: selection.requireThermal,
      config,
      target: flags.target,
    });
    const s = outcome.report.summary;
    await finish(
      outcome,
      flags,
      `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.unfinished} unfinished — success rate ${s.successRate}% (${s.grade})\n`,
      live,
      request.interrupted,
    );
  },
);

addCommonOptions(
  program
    .command('load')
    .description('ad-hoc distributed HTTP load against one URL, spread over the agents')
    .requiredOption('--url <url>', 'the URL to load', httpUrl('--url'))
    .option(
      '--connections <n>',
      'concurrent connections across all agents (default: $STRESS_TEST_CONCURRENCY or 10)',
      wholeNumber('--connections', 1, 100_000),
    )
    .option('--duration <time>', 'how long, e.g. 30s, 500ms, 2m', durationMs('--duration'), 10_000)
    .option(
      '--requests <n>',
      'stop after this many requests in total (default: duration only)',
      wholeNumber('--requests', 1, 100_000_000),
    )
    .option(
      '--rate <n>',
      'requests per second across all agents (open model; default: closed loop)',
      positiveNumber('--rate', 10_000_000),
    )
    .addOption(
      new Option('--method <method>', 'HTTP method')
        .default('GET')
        .choices(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']),
    )
    .option('--body <body>', 'request body, or @file to read it from a file', body)
    .option('--header <header>', "request header 'name: value' (repeatable)", header)
    .option(
      '--expect-status <code>',
      'count only this status as a success (default: any below 400)',
      wholeNumber('--expect-status', 100, 599),
    ),
).action(
  async (
    flags: CommonFlags & {
      url: string;
      connections?: number;
      duration: number;
      requests?: number;
      rate?: number;
      method: string;
      body?: string;
      header?: Record<string, string>;
      expectStatus?: number;
    },
  ) => {
    const config = loadConfig(flags.config ?? []);
    const url = new URL(flags.url);
    const connections = flags.connections ?? envConcurrency() ?? 10;
    const cases = [
      {
        definition: ADHOC_LOAD_CASE,
        settings: {
          load: {
            connections,
            requests: flags.requests ?? 0,
            durationMs: flags.duration,
            rate: flags.rate ?? 0,
          },
          params: {
            method: flags.method,
            path: url.pathname + url.search,
            headers: flags.header ?? {},
            ...(flags.body !== undefined ? { body: flags.body } : {}),
            ...(flags.expectStatus !== undefined ? { expectStatus: flags.expectStatus } : {}),
          },
          thresholds: [],
          timeoutMs: flags.duration + 60_000,
        },
      },
    ];
    const live = await openLive(flags, { mode: 'load', target: url.origin, cases });
    const request = baseRequest(flags, live);
    const outcome = await executeRun({
      ...request,
      mode: 'load',
      suites: [ADHOC_LOAD_CASE.suite],
      skippedSuites: [],
      cases,
      requireThermal: false,
      config,
      target: url.origin,
    });
    await finish(outcome, flags, renderLoadSummary(outcome.report), live, request.interrupted);
  },
);

program
  .command('agents')
  .description('list the live agents: id, host, cores, memory, CPU, capabilities, protocol, last heartbeat')
  .requiredOption('--nats <url>', 'NATS server of the cluster')
  .option('--json', 'print JSON instead of a table')
  .action(async (flags: { nats: string; json?: boolean }) => {
    checkNatsUrl(flags.nats);
    const { agents, table } = await listAgents(flags.nats);
    process.stdout.write(flags.json ? JSON.stringify(agents, null, 2) + '\n' : table + '\n');
    process.exit(EXIT.ok);
  });

registerReportCommand(program);
registerCompareCommand(program);

await runCli(program, 'coordinator');
