/**
 * One client WebSocket with everything bounded: the handshake by a timeout, received messages by a
 * queue that drops its oldest past a limit, each wait by a deadline, and the close by a grace
 * period after which the socket is terminated.
 */
import { performance } from 'node:perf_hooks';
import WebSocket, { type ClientOptions } from 'ws';
import { CUSTOM_LIMITS } from '../../../shared/custom/limits.js';

export interface Received {
  data: Buffer;
  binary: boolean;
}

/** A handshake the server answered with an HTTP status instead of 101. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`WebSocket handshake answered ${status}`);
    this.name = 'HandshakeRefused';
  }
}

const CLOSE_GRACE_MS = 2000;

export function timeoutError(what: string): Error {
  return Object.assign(new Error(`${what} timed out`), { code: 'STAMPEDE_OP_TIMEOUT' });
}

export class Socket {
  private readonly inbox: Received[] = [];
  private wake?: () => void;
  /** The close code once the socket closed, from either side. */
  closedWith?: number;
  dropped = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (this.inbox.length >= CUSTOM_LIMITS.wsQueuedMessages) {
        this.inbox.shift();
        this.dropped += 1;
      }
      this.inbox.push({ data, binary });
      this.wake?.();
    });
    ws.on('close', (code: number) => {
      this.closedWith = code;
      this.wake?.();
    });
    ws.on('error', () => undefined); // the close event that follows carries the outcome
  }

  static open(url: string, protocols: string[], options: ClientOptions, timeoutMs: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { ...options, handshakeTimeout: timeoutMs });
      const fail = (error: Error) => {
        clearTimeout(timer);
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(error);
      };
      const timer = setTimeout(() => fail(timeoutError('WebSocket connect')), timeoutMs);
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        fail(new HandshakeRefused(res.statusCode ?? 0));
      });
      ws.once('error', (error) => fail(error));
      ws.once('open', () => {
        clearTimeout(timer);
        ws.removeAllListeners();
        resolve(new Socket(ws));
      });
    });
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(data: string | Buffer, binary: boolean): Promise<void> {
    // Waiting for the write keeps a fast script from piling data up in the socket's buffer.
    return new Promise((resolve, reject) =>
      this.ws.send(data, { binary }, (e) => (e ? reject(e) : resolve())),
    );
  }

  /** The next received message before `deadline` (performance.now() ms), or undefined. */
  async next(deadline: number): Promise<Received | undefined> {
    for (;;) {
      const message = this.inbox.shift();
      if (message) return message;
      const left = deadline - performance.now();
      if (this.closedWith !== undefined || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Closes with `code` and resolves with the code the close ended with (1006 when it had to be cut). */
  async close(code: number): Promise<number> {
    if (this.closedWith !== undefined) return this.closedWith;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close(code);
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), CLOSE_GRACE_MS).unref());
    if ((await Promise.race([closed, timer])) === 'late') {
      this.ws.terminate();
      await closed;
    }
    return this.closedWith ?? 1006;
  }
}
