/**
 * One load lane on a raw keep-alive `net` socket: writes a prebuilt request, parses the answer
 * with ResponseParser, one request at a time. It behaves as undici's Client does for the same
 * exchange: it reconnects after `Connection: close`, a close-delimited body, leftover bytes nobody
 * asked for, or an idle spell past the keep-alive time (the server's `Keep-Alive: timeout` less
 * 2 s, else `keepAliveTimeoutMs`); it raises undici's errors (httpErrors.ts) for early closes and
 * timeouts. The timeouts use one timer per lane that is never reset per request: each request
 * only moves a deadline, and the timer, when it fires early, sleeps on to the current deadline.
 * Reads bypass the socket's Readable stream (`onread`): each lands in one buffer shared by every
 * lane of the thread and is parsed before the next read can arrive, which skips a fresh 64 KiB
 * allocation, a 'data' event and a nextTick per response.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { HttpResponseError, socketError, TIMEOUT_ERRORS } from './httpErrors.js';
import { ResponseParser } from './responseParser.js';

export type LaneCallback = (error: Error | null, status: number, bytes: number) => void;

/** What the lane's one request is waiting for, which says which timeout applies. */
const Phase = { Idle: 0, Connect: 1, Headers: 2, Body: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** undici's keepAliveTimeoutThreshold and keepAliveMaxTimeout defaults. */
const KEEP_ALIVE_THRESHOLD_MS = 2000;
const KEEP_ALIVE_MAX_MS = 600_000;

/** Reads are consumed synchronously (the parser copies the partial lines it keeps), so one buffer serves all lanes. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export interface RawLaneOptions {
  host: string;
  port: number;
  /** Headers and body (between chunks) timeout, as undici's headersTimeout/bodyTimeout. */
  timeoutMs: number;
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export class RawLane {
  private socket: net.Socket | null = null;
  private socketError: Error | null = null;
  private readonly parser = new ResponseParser();
  private callback: LaneCallback | null = null;
  private phase: Phase = Phase.Idle;
  private deadline = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private idleSince = 0;
  private keepAliveMs = 0;
  private closed = false;

  constructor(private readonly options: RawLaneOptions) {}

  /** Sends `request`; `callback` runs once, with the status and body bytes or an error. */
  send(request: Buffer, callback: LaneCallback): void {
    if (this.closed) {
      const error = new HttpResponseError(
        'ClientDestroyedError',
        'The client is destroyed',
        'UND_ERR_DESTROYED',
      );
      queueMicrotask(() => callback(error, 0, 0));
      return;
    }
    this.callback = callback;
    this.parser.reset();
    const now = performance.now();
    if (this.socket !== null && now - this.idleSince >= this.keepAliveMs) this.drop();
    if (this.socket === null) {
      this.open();
      this.setPhase(Phase.Connect, now + this.options.connectTimeoutMs);
    } else this.setPhase(Phase.Headers, now + this.options.timeoutMs);
    this.socket!.write(request);
  }

  /** Destroys the connection; a request still running fails as on a destroyed undici Client. */
  close(): void {
    this.closed = true;
    this.drop();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.callback !== null)
      this.finish(
        new HttpResponseError('ClientDestroyedError', 'The client is destroyed', 'UND_ERR_DESTROYED'),
        0,
        0,
      );
  }

  private open(): void {
    const socket = net.connect({
      host: this.options.host,
      port: this.options.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (length: number) => {
          if (socket === this.socket) this.onData(READ_BUFFER.subarray(0, length));
          return true;
        },
      },
    });
    this.socket = socket;
    this.socketError = null;
    socket.on('connect', () => {
      if (socket === this.socket && this.phase === Phase.Connect)
        this.setPhase(Phase.Headers, performance.now() + this.options.timeoutMs);
    });
    socket.on('error', (error) => {
      if (socket === this.socket) this.socketError ??= error;
    });
    socket.on('close', () => {
      if (socket === this.socket) this.onClose();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.callback === null) {
      this.drop(); // bytes nobody asked for: undici drops the socket
      return;
    }
    const parser = this.parser;
    let at: number;
    try {
      at = parser.execute(chunk, 0);
    } catch (error) {
      this.drop();
      this.finish(error as Error, 0, 0);
      return;
    }
    if (parser.done) {
      const now = performance.now();
      const hint = parser.keepAliveHintMs;
      this.keepAliveMs =
        hint >= 0
          ? Math.min(hint - KEEP_ALIVE_THRESHOLD_MS, KEEP_ALIVE_MAX_MS)
          : this.options.keepAliveTimeoutMs;
      if (!parser.keepAlive || at < chunk.length || this.keepAliveMs <= 0) this.drop();
      this.idleSince = now;
      this.finish(null, parser.status, parser.bodyBytes);
    } else if (!parser.inHeaders) this.setPhase(Phase.Body, performance.now() + this.options.timeoutMs);
  }

  private onClose(): void {
    this.socket = null;
    if (this.callback === null) return; // an idle connection closed: the next request reconnects
    // A body that runs to the close ends with it (an ECONNRESET there too, as in undici).
    if (this.parser.finish()) this.finish(null, this.parser.status, this.parser.bodyBytes);
    else this.finish(this.socketError ?? socketError('other side closed'), 0, 0);
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
  }

  private finish(error: Error | null, status: number, bytes: number): void {
    const callback = this.callback!;
    this.callback = null;
    this.phase = Phase.Idle;
    callback(error, status, bytes);
  }

  private setPhase(phase: Phase, deadline: number): void {
    this.phase = phase;
    this.deadline = deadline;
    if (this.timer !== null && this.timerAt <= deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.schedule(deadline);
  }

  private schedule(at: number): void {
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.max(1, at - performance.now() + 1));
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.phase === Phase.Idle) return; // nothing running: the timer lapses until the next request
    if (this.deadline > performance.now()) {
      this.schedule(this.deadline);
      return;
    }
    const error =
      this.phase === Phase.Connect
        ? TIMEOUT_ERRORS.connect()
        : this.phase === Phase.Headers
          ? TIMEOUT_ERRORS.headers()
          : TIMEOUT_ERRORS.body();
    this.drop();
    this.finish(error, 0, 0);
  };
}
