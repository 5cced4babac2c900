/**
 * A program (not a module): an HTTP target for network namespace tests that counts what it
 * serves per source address, with the first and last arrival of each and a per-second count, so a test can tell which
 * host sent what and when it stopped. It prints `listening on URL`, then answers each `stats`
 * line on stdin with one `stats {json}` line.
 *   node sourceCountingTarget.js --host 10.213.1.14 [--delay-ms 2]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

export interface SourceCount {
  count: number;
  first: number;
  last: number;
  /** Requests per whole second of arrival (epoch seconds). */
  seconds: Record<number, number>;
}

export interface SourceStats {
  total: number;
  bySource: Record<string, SourceCount>;
}

const { values } = parseArgs({ options: { host: { type: 'string' }, 'delay-ms': { type: 'string' } } });
const delayMs = Number(values['delay-ms'] ?? 0);
const stats: SourceStats = { total: 0, bySource: {} };

const server = http.createServer((req, res) => {
  const now = Date.now();
  const source = (req.socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
  const entry = (stats.bySource[source] ??= { count: 0, first: now, last: now, seconds: {} });
  entry.count += 1;
  const second = Math.floor(now / 1000);
  entry.seconds[second] = (entry.seconds[second] ?? 0) + 1;
  entry.last = now;
  stats.total += 1;
  req.resume();
  if (delayMs > 0) setTimeout(() => res.end('ok'), delayMs);
  else res.end('ok');
});
server.keepAliveTimeout = 30_000;
server.listen(0, values.host ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://${address}:${port}\n`);
});
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stats') process.stdout.write(`stats ${JSON.stringify(stats)}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
