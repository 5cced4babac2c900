/** `coordinator load`: ad-hoc distributed HTTP load against one URL. */
import { Option, type Command } from 'commander';
import { ADHOC_LOAD_CASE } from '../../shared/model/catalogue.js';
import { body, durationMs, header, httpUrl, positiveNumber, wholeNumber } from '../../shared/cli/flags.js';
import { runTransport } from '../../shared/custom/transport.js';
import { renderLoadSummary } from '../report/loadSummary.js';
import { executeRun } from '../run/executeRun.js';
import type { SelectedCase } from '../run/request.js';
import { addCommonOptions, baseRequest, finish, loadRunConfig, type CommonFlags } from './common.js';
import { envConcurrency } from './env.js';
import { openLive } from './liveOptions.js';

interface LoadFlags extends CommonFlags {
  url: string;
  connections?: number;
  duration: number;
  requests?: number;
  rate?: number;
  method: string;
  body?: string;
  header?: Record<string, string>;
  expectStatus?: number;
}

/** The one case of a `load`: the URL's request shape spread over the agents' connections. */
function loadCase(flags: LoadFlags, url: URL): SelectedCase {
  return {
    definition: ADHOC_LOAD_CASE,
    settings: {
      load: {
        connections: flags.connections ?? envConcurrency() ?? 10,
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
      transport: runTransport(flags),
    },
  };
}

async function runLoad(flags: LoadFlags): Promise<void> {
  const url = new URL(flags.url);
  const cases = [loadCase(flags, url)];
  const live = await openLive(flags, { mode: 'load', target: url.origin, cases });
  const request = baseRequest(flags, live);
  const outcome = await executeRun({
    ...request,
    mode: 'load',
    suites: [ADHOC_LOAD_CASE.suite],
    skippedSuites: [],
    cases,
    requireThermal: false,
    config: loadRunConfig(flags),
    target: url.origin,
  });
  await finish(outcome, flags, renderLoadSummary(outcome.report), live, request.interrupted);
}

/** The flags are declared in one chain so `--help` lists them in this order. */
export function registerLoadCommand(program: Command): void {
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
  ).action(runLoad);
}
