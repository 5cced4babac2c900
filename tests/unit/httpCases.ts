/**
 * Scripted HTTP/1.1 responses (latin1 text) and a real `net` server that answers with them, for
 * comparing the raw request path with undici. The server reads one request head at a time and
 * writes whatever the script returns, optionally in pieces with pauses so that the client gets
 * them in separate reads.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
const big = (n: number) => `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(n)}\r\nContent-Length: 2\r\n\r\nok`;

/** Each answered once, then the server closes the connection (as a probe of undici showed them). */
export const RESPONSE_CASES: Record<string, string> = {
  ok: OK,
  http10: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
  http10KeepAlive: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
  http20: 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
  http09: 'HTTP/0.9 200 OK\r\nContent-Length: 2\r\n\r\nok',
  noReason: 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok',
  tabReason: 'HTTP/1.1 200 O\tK\r\nContent-Length: 2\r\n\r\nok',
  highReason: 'HTTP/1.1 200 \xe9\r\nContent-Length: 2\r\n\r\nok',
  nulInReason: 'HTTP/1.1 200 O\x00K\r\nContent-Length: 2\r\n\r\nok',
  status600: 'HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\nok',
  status404: 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found',
  status503: 'HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n',
  leadingCrlf: `\r\n${OK}`,
  badStatusLine: 'HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok',
  badProtocol: 'HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  lowerCaseHttp: 'http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  status1000: 'HTTP/1.1 1000 OK\r\nContent-Length: 2\r\n\r\nok',
  status099: 'HTTP/1.1 099 OK\r\nContent-Length: 2\r\n\r\nok',
  doubleSpaceStatus: 'HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\nok',
  shortStatus: 'HTTP/1.1 20\r\nContent-Length: 2\r\n\r\nok',
  lfOnly: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok',
  garbage: 'garbage garbage\r\n\r\n',
  spaceInHeaderName: 'HTTP/1.1 200 OK\r\nX Bad: 1\r\nContent-Length: 2\r\n\r\nok',
  ctlInHeaderName: 'HTTP/1.1 200 OK\r\nX\x01Bad: 1\r\nContent-Length: 2\r\n\r\nok',
  ctlInHeaderValue: 'HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok',
  delInHeaderValue: 'HTTP/1.1 200 OK\r\nX-Bad: a\x7fb\r\nContent-Length: 2\r\n\r\nok',
  crInHeaderValue: 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok',
  highInHeaderValue: 'HTTP/1.1 200 OK\r\nX-A: a\xe9b\r\nContent-Length: 2\r\n\r\nok',
  tabInHeaderValue: 'HTTP/1.1 200 OK\r\nX-A: a\tb\r\nContent-Length: 2\r\n\r\nok',
  emptyHeaderValue: 'HTTP/1.1 200 OK\r\nX-E:\r\nContent-Length: 2\r\n\r\nok',
  spaceBeforeColon: 'HTTP/1.1 200 OK\r\nX-Bad : 1\r\nContent-Length: 2\r\n\r\nok',
  tabBeforeColon: 'HTTP/1.1 200 OK\r\nX-A\t: 1\r\nContent-Length: 2\r\n\r\nok',
  noColon: 'HTTP/1.1 200 OK\r\nXBad\r\nContent-Length: 2\r\n\r\nok',
  emptyHeaderName: 'HTTP/1.1 200 OK\r\n: 1\r\nContent-Length: 2\r\n\r\nok',
  obsFold: 'HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok',
  conflictingLength: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk',
  repeatedLength: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok',
  lengthList: 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok',
  lengthTrailingJunk: 'HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok',
  negativeLength: 'HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok',
  plusLength: 'HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok',
  emptyLength: 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nok',
  paddedLength: 'HTTP/1.1 200 OK\r\nContent-Length:   2  \r\n\r\nok',
  zeroPaddedLength: 'HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\nok',
  noSpaceLength: 'HTTP/1.1 200 OK\r\nContent-Length:2\r\n\r\nok',
  zeroLength: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
  lengthAndChunked: `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`,
  chunked: `${CHUNKED}2\r\nok\r\n0\r\n\r\n`,
  chunkedUpperHex: `${CHUNKED}A\r\n0123456789\r\n0\r\n\r\n`,
  chunkedLeadingZeros: `${CHUNKED}0002\r\nok\r\n0\r\n\r\n`,
  chunkedTrailer: `${CHUNKED}2\r\nok\r\n0\r\nX-T: 1\r\n\r\n`,
  chunkedBadTrailer: `${CHUNKED}2\r\nok\r\n0\r\nX T: 1\r\n\r\n`,
  chunkedExtension: `${CHUNKED}2;a=b\r\nok\r\n0\r\n\r\n`,
  chunkedQuotedExtension: `${CHUNKED}2;a="b c"\r\nok\r\n0\r\n\r\n`,
  chunkedBareSemicolon: `${CHUNKED}2;\r\nok\r\n0\r\n\r\n`,
  chunkedUpperCoding: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  chunkedTwice: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`,
  gzipThenChunked: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  chunkedThenGzip: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nConnection: close\r\n\r\nok',
  identityCoding: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nConnection: close\r\n\r\nok',
  badChunkSize: `${CHUNKED}zz\r\nok\r\n0\r\n\r\n`,
  spaceAfterChunkSize: `${CHUNKED}2 \r\nok\r\n0\r\n\r\n`,
  chunkSizeOverflow: `${CHUNKED}FFFFFFFFFFFFFFFFF\r\nok\r\n0\r\n\r\n`,
  chunkWithoutCrlf: `${CHUNKED}2\r\nokX0\r\n\r\n`,
  chunkSizeBareCr: `${CHUNKED}2\rok\r\n0\r\n\r\n`,
  headersJustUnderLimit: big(16384 - 5 - 14 - 2),
  headersAtLimit: big(16384 - 5 - 14 - 1),
  headers17k: big(17000),
  headers70k: big(70000),
  closeDelimited: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello',
  noLengthKeepAlive: 'HTTP/1.1 200 OK\r\n\r\nhello',
  connectionClose: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
  connectionTokens: 'HTTP/1.1 200 OK\r\nConnection: foo, close\r\nContent-Length: 2\r\n\r\nok',
  status204: 'HTTP/1.1 204 No Content\r\n\r\n',
  status204WithLength: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n',
  status204ZeroLength: 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n',
  status204Chunked: 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n',
  status304: 'HTTP/1.1 304 Not Modified\r\n\r\n',
  status304WithLength: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n',
  continue100: `HTTP/1.1 100 Continue\r\n\r\n${OK}`,
  earlyHints103: `HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${OK}`,
  upgrade101: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\n',
  extraBytes: `${OK}EXTRA`,
  bodyCutShort: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok',
  headersCutShort: 'HTTP/1.1 200 OK\r\nContent-Len',
  nothing: '',
};

export interface Answer {
  bytes: string;
  /** Write in pieces of at most this many bytes, pausing between them. */
  pieces?: number;
  /** Close the connection after writing. */
  end?: boolean;
  /** Reset the connection (RST) instead of answering. */
  reset?: boolean;
}

export interface ScriptedServer {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

/** A server answering each request it reads with `script(path, index)`; `heads` keeps each request's bytes. */
export async function startScriptedServer(
  script: (path: string, index: number) => Answer,
  heads: string[] = [],
): Promise<ScriptedServer> {
  let connections = 0;
  let index = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    let chain = Promise.resolve();
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) break; // the body is still on its way
        heads.push(buffered.slice(0, end + 4 + length));
        buffered = buffered.slice(end + 4 + length);
        const answer = script(head.split(' ')[1] ?? '/', index++);
        chain = chain.then(() => write(socket, answer));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function write(socket: net.Socket, answer: Answer): Promise<void> {
  if (answer.reset) {
    socket.resetAndDestroy();
    return;
  }
  const bytes = Buffer.from(answer.bytes, 'latin1');
  const step = answer.pieces ?? bytes.length;
  for (let at = 0; at < bytes.length && !socket.destroyed; at += step) {
    socket.write(bytes.subarray(at, at + step));
    if (step < bytes.length) await sleep(2);
  }
  if (answer.end) socket.end();
}
