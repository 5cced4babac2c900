/**
 * Raw TCP to the target, for what a well-behaved HTTP client will not send: broken framing,
 * oversized headers, clients that hold a connection and dribble bytes. This is the gated socket
 * factory: every connect and every write passes the shard's request gate first.
 */
import net, { type Socket } from 'node:net';
import type { ScenarioContext } from '../../shared/model/scenario.js';
import { outboundOf, type RequestGate } from './outbound.js';

export interface RawTarget {
  host: string;
  port: number;
  /** Path prefix of the target URL, without a trailing slash. */
  basePath: string;
  /** `User-Agent: ...\r\n`, for request heads written by hand. */
  userAgentLine: string;
  gate: RequestGate;
}

export function rawTargetOf(ctx: ScenarioContext): RawTarget {
  const url = new URL(ctx.target);
  const { gate, userAgent } = outboundOf(ctx);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 80),
    basePath: url.pathname.replace(/\/$/, ''),
    userAgentLine: `User-Agent: ${userAgent}\r\n`,
    gate,
  };
}

function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

async function admitted(target: RawTarget): Promise<void> {
  const waiting = target.gate.admit();
  if (waiting) await waiting;
}

/** Writes `request` and resolves with the status of the answer's status line. */
export async function rawExchange(
  target: RawTarget,
  request: string | Uint8Array,
  timeoutMs: number,
): Promise<number> {
  await admitted(target);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let head = '';
    const finish = (error: Error | undefined, status?: number) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(status!);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(coded(`no answer within ${timeoutMs} ms`, 'STAMPEDE_OP_TIMEOUT')),
    );
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n');
      if (end < 0) return;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.slice(0, end));
      finish(
        status
          ? undefined
          : coded(`not an HTTP answer: ${JSON.stringify(head.slice(0, 60))}`, 'STAMPEDE_BAD_ANSWER'),
        Number(status?.[1]),
      );
    });
    // A write error (EPIPE) is not the end: the answer may already be on its way; 'close' decides.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') finish(error);
    });
    socket.on('close', () => finish(coded('connection closed without an answer', 'ECONNRESET')));
    socket.write(request);
  });
}

/** Opens a connection, writes `start` on it, and resolves once it is established. */
export async function openSocket(target: RawTarget, start: string, timeoutMs: number): Promise<Socket> {
  await admitted(target);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(coded(`connect took longer than ${timeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.on('error', () => undefined);
      // Connecting can take a while; the request itself starts only when the gate still admits it.
      admitted(target).then(
        () => {
          socket.write(start);
          resolve(socket);
        },
        (error: unknown) => {
          socket.destroy();
          reject(error);
        },
      );
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Writes `chunk` to every socket still open, once the gate admits it. */
export async function writeToAll(
  target: RawTarget,
  sockets: readonly Socket[],
  chunk: string,
): Promise<void> {
  await admitted(target);
  for (const s of sockets) if (!s.destroyed) s.write(chunk);
}
