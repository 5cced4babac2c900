/**
 * `coordinator init [FILE]`: writes a commented starter config (YAML) with one flow case and one
 * ws case against the reference target, to copy and change. An existing file is kept unless
 * --force is given.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../../shared/errors.js';

export const DEFAULT_STARTER_FILE = 'stampede.yaml';

export const STARTER = `# stampede custom suites: a starter to copy and change.
#   check it:  npx coordinator validate FILE
#   run it:    npx coordinator run --config FILE --suite starter
# Without --target the run starts the bundled reference target and aims at it.
# Every field is described in docs/custom-cases.md. Quote values that hold {{templates}}.
suites:
  starter:                          # a suite of your own, beside the built-in six
    session_flow:                   # a test case; reports call it starter.session_flow
      scenario: flow                # the interpreter: flow (HTTP steps) or ws (WebSocket)
      title: Open a session, then read it back
      quick: true                   # run --quick includes it
      load:
        connections: 4              # virtual users, split over the agents
        requests: 0                 # iterations in total; 0 = bounded by durationMs only
        durationMs: 5000
        rate: 0                     # iterations per second (open model); 0 = closed loop
      params:
        steps:
          - name: open
            method: POST
            path: /process
            json: { prompt: "hello from user {{vu}}, iteration {{iteration}}" }
            expectStatus: 200
            capture:
              sid: { json: "$.sessionId" }    # the new session's id, for the next step
          - name: read
            path: "/sessions/{{sid}}"
            expectStatus: 200
            checks:
              - { name: read_turns, json: "$.turns", equals: 1 }
              - { name: read_fast, maxLatencyMs: 500 }
            thinkTimeMs: { min: 50, max: 150 }  # pause after the step, uniform in the range
      thresholds:
        - { metric: successRate, op: ">=", value: 99, description: every iteration opened and read its session }
        - { metric: step.read.p99Ms, op: "<", value: 250, description: reading a session stays fast }
        - { metric: check.read_turns.rate, op: "==", value: 100, description: a new session holds one turn }
    echo_socket:
      scenario: ws
      title: Hold WebSocket connections and ping them
      load: { connections: 10, requests: 0, durationMs: 5000, rate: 0 }
      params:
        path: /ws/echo              # the reference target's WebSocket echo route
        script:
          - send: '{"type":"ping","id":"{{vu}}-{{iteration}}"}'
          - expect: { json: "$.id", equals: "{{vu}}-{{iteration}}", timeoutMs: 2000 }
          - sleepMs: 200
        repeat: 1000                # script rounds per connection, bounded by durationMs
      thresholds:
        - { metric: successRate, op: ">=", value: 99, description: every connection met every expectation }
        - { metric: ws.rtt.p99Ms, op: "<", value: 100, description: ping round trips stay fast }
        - { metric: ws.connect.p95Ms, op: "<", value: 200, description: the upgrade is quick }
`;

export function writeStarter(file: string, force = false): void {
  if (existsSync(file) && !force)
    throw new UsageError(`init: ${file} exists; choose another name or pass --force`);
  writeFileSync(file, STARTER);
}

export function addInitCommand(program: Command): void {
  program
    .command('init')
    .description(
      `write a commented starter config with a flow and a ws case (default ${DEFAULT_STARTER_FILE})`,
    )
    .argument('[file]', 'where to write it', DEFAULT_STARTER_FILE)
    .option('--force', 'overwrite the file if it exists')
    .action((file: string, flags: { force?: boolean }) => {
      writeStarter(file, flags.force);
      process.stdout.write(
        `wrote ${file}\n  check it: coordinator validate ${file}\n  run it:   coordinator run --config ${file} --suite starter\n`,
      );
      process.exit(EXIT.ok);
    });
}
