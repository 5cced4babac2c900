/**
 * A restart hook configured as a command runs on the coordinator host, never on an agent (agents
 * run only what is installed with them). The restart case on an agent reaches it through this
 * relay: an HTTP server on 127.0.0.1 with an unguessable path that runs the configured command —
 * fixed by the config, nothing of the request but the round's two words reaches it, as environment
 * variables — one at a time, and answers 200 when it exits 0.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const COMMAND_TIMEOUT_MS = 120_000;
const MAX_BODY = 1024;
const HOW = new Set(['exit', 'kill']);
const CORRUPT = new Set(['truncate', 'garbage']);

export interface RestartRelay {
  url: string;
  close(): Promise<void>;
}

function run(
  command: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; tail: string }> {
  return new Promise((resolve) => {
    execFile(
      command[0],
      command.slice(1),
      { timeout: COMMAND_TIMEOUT_MS, env: { ...process.env, ...env }, maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, tail: String(stderr).trim().split('\n').slice(-3).join(' | ').slice(0, 300) });
      },
    );
  });
}

/** The round's ask, reduced to the two values the command may see. */
function askOf(body: string): Record<string, string> {
  let ask: { how?: unknown; corruptState?: unknown } = {};
  try {
    ask = JSON.parse(body || '{}') as typeof ask;
  } catch {
    // An unreadable ask is a clean restart.
  }
  return {
    STAMPEDE_RESTART_HOW: HOW.has(String(ask.how)) ? String(ask.how) : 'exit',
    STAMPEDE_CORRUPT_STATE: CORRUPT.has(String(ask.corruptState)) ? String(ask.corruptState) : '',
  };
}

export async function startRestartRelay(
  command: readonly string[],
  log: (line: string) => void,
): Promise<RestartRelay> {
  const path = `/restart/${randomBytes(16).toString('hex')}`;
  let queue: Promise<unknown> = Promise.resolve();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
        return;
      }
      queue = queue.then(async () => {
        const env = askOf(body);
        log(
          `restart hook: running ${command.join(' ')} (${env.STAMPEDE_RESTART_HOW}${env.STAMPEDE_CORRUPT_STATE ? `, ${env.STAMPEDE_CORRUPT_STATE}` : ''})`,
        );
        const { code, tail } = await run(command, env);
        const answer =
          code === 0 ? { restarted: true } : { error: 'restart_command_failed', code, stderr: tail };
        res
          .writeHead(code === 0 ? 200 : 502, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
