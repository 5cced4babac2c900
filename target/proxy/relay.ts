/** Forwards one HTTP request to an upstream and streams its answer back, as a reverse proxy does. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { send } from '../jsonHttp.js';

/** Headers that describe one connection, not the message: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** Resolves true when the upstream answered, false when it could not be reached or broke off. */
export function relay(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  agent: http.Agent,
): Promise<boolean> {
  return new Promise((resolve) => {
    const basePath = upstream.pathname.replace(/\/$/, '');
    const outgoing = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: `${basePath}${req.url ?? '/'}`,
      headers: { ...endToEnd(req.headers), host: upstream.host },
      agent,
    });
    outgoing.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      answer.pipe(res);
      answer.on('end', () => resolve(true));
      answer.on('error', () => {
        res.destroy();
        resolve(false);
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!res.headersSent) {
        send(res, {
          status: 502,
          json: {
            error: 'upstream_unreachable',
            message: `the upstream did not answer (${error.code ?? error.message})`,
          },
        });
      } else res.destroy();
      resolve(false);
    });
    // The caller hung up: stop waiting for the upstream on its behalf.
    res.once('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  });
}
