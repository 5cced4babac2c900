/** What every HTTP service of the target package shares: the reply shape, sending it, listening, stopping. */
import { STATUS_CODES } from 'node:http';
import type http from 'node:http';
import type { ServerResponse } from 'node:http';
import { HttpError } from './httpErrors.js';

export type Reply = (
  | { status: number; json: unknown }
  | { status: number; text: string; contentType: string }
) & {
  /** Runs once the answer has been handed to the operating system (e.g. a deliberate exit after answering). */
  afterReply?: () => void;
};

export function ok(json: unknown): Reply {
  return { status: 200, json };
}

export function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const [contentType, text] =
    'json' in reply
      ? ['application/json; charset=utf-8', JSON.stringify(reply.json)]
      : [reply.contentType, reply.text];
  if (reply.afterReply) res.once('finish', reply.afterReply);
  res.writeHead(reply.status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The path of a request target, without its query. */
export function pathnameOf(url: string): string {
  const pathname = url.split('?', 1)[0];
  if (!pathname.startsWith('/')) throw new HttpError(400, 'invalid_url', 'the request target must be a path');
  return pathname;
}

export function queryOf(url: string): URLSearchParams {
  const at = url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
}

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Stops listening and cuts every open connection, idle or not. */
export function stopServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

/** "http://HOST:PORT", brackets around an IPv6 host. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A complete HTTP/1.1 answer for a refusal, for sockets node:http no longer answers (parse errors, upgrades). */
export function rawAnswer(refusal: HttpError): string {
  const body = JSON.stringify(refusal.body());
  return (
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
    `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `connection: close\r\n\r\n${body}`
  );
}
