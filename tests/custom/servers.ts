/**
 * Real targets for the custom-case runs, each keeping its own record of what it received: a small
 * shop (tokens it issued, tokens it was shown), a WebSocket echo on the same port, and an HTTPS
 * server speaking HTTP/2 and HTTP/1.1 with a certificate made here by openssl.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';

export interface ShopRecord {
  issued: Set<string>;
  /** Every GET /orders: the bearer token and the x-run header it carried. */
  orders: { token: string; label: string | undefined }[];
  wsConnections: number;
  pongs: number;
  wsCloses: number[];
}

async function listen(server: http.Server | http2.Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function shopHandler(record: ShopRecord) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/login') {
        const token = randomUUID();
        record.issued.add(token);
        return answer(200, { token });
      }
      if (req.method === 'GET' && req.url === '/orders') {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        record.orders.push({ token, label: req.headers['x-run'] as string | undefined });
        if (!record.issued.has(token)) return answer(401, { error: 'unknown token' });
        return answer(200, { status: 'pending', token });
      }
      answer(404, { error: 'not_found' });
    });
  };
}

/** The shop on http://127.0.0.1:PORT, with a WebSocket echo at /ws/echo (ping -> pong). */
export async function startShop(): Promise<{ url: string; record: ShopRecord; close(): Promise<void> }> {
  const record: ShopRecord = { issued: new Set(), orders: [], wsConnections: 0, pongs: 0, wsCloses: [] };
  const server = http.createServer(shopHandler(record));
  const wss = new WebSocketServer({ server, path: '/ws/echo' });
  wss.on('connection', (ws) => {
    record.wsConnections += 1;
    ws.on('close', (code) => record.wsCloses.push(code));
    ws.on('message', (data, binary) => {
      const message = binary ? undefined : (JSON.parse(data.toString()) as { type?: string; id?: unknown });
      if (message?.type === 'ping') {
        record.pongs += 1;
        ws.send(JSON.stringify({ type: 'pong', id: message.id }));
      } else ws.send(data, { binary });
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    record,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Certificates {
  dir: string;
  caFile: string;
  key: string;
  cert: string;
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-tls-'));
  const at = (f: string) => path.join(dir, f);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=stampede test CA',
  );
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(
    at('ext.cnf'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return {
    dir,
    caFile: at('ca.pem'),
    key: readFileSync(at('server.key'), 'utf8'),
    cert: readFileSync(at('server.pem'), 'utf8'),
  };
}

/** An HTTPS server (HTTP/2 by ALPN, HTTP/1.1 otherwise) recording the protocol of every request by path. */
export async function startTlsServer(
  certs: Certificates,
): Promise<{ url: string; versions: Map<string, string[]>; close(): Promise<void> }> {
  const versions = new Map<string, string[]>();
  const server = http2.createSecureServer(
    { key: certs.key, cert: certs.cert, allowHTTP1: true },
    (req, res) => {
      versions.set(req.url, [...(versions.get(req.url) ?? []), req.httpVersion]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, version: req.httpVersion }));
    },
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  const port = await listen(server);
  return {
    url: `https://127.0.0.1:${port}`,
    versions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
