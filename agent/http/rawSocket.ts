/**
 * Raw TCP to the target, for what a well-behaved HTTP client will not send: broken framing,
 * oversized headers, clients that hold a connection and dribble bytes.
 */
import net, { type Socket } from 'node:net';
import type { ScenarioContext } from '../../shared/model/scenario.js';

export interface RawTarget {
  host: string;
  port: number;
  /** Path prefix of the target URL, without a trailing slash. */
  basePath: string;
}

export function rawTargetOf(ctx: ScenarioContext): RawTarget {
  const url = new URL(ctx.target);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 80),
    basePath: url.pathname.replace(/\/$/, ''),
  };
}

function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Writes `request` and resolves with the status of the answer's status line. */
export function rawExchange(
  target: RawTarget,
  request: string | Uint8Array,
  timeoutMs: number,
): Promise<number> {
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

/** Opens a connection and resolves once it is established. */
export function openSocket(target: RawTarget, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(coded(`connect took longer than ${timeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
