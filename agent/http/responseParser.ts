/**
 * A strict, incremental HTTP/1.1 response parser for the raw request path. It accepts what
 * undici 7 (llhttp in strict mode) accepts and rejects what it rejects, with undici's errors
 * (see httpErrors.ts): status line `HTTP/d.d SP 3DIGIT [SP reason]`, CRLF line ends, token header
 * names, header values without control characters, no obs-fold, header size counted as undici
 * does (name + value bytes >= http.maxHeaderSize), one Content-Length of digits, never together
 * with Transfer-Encoding, chunked framing with checked sizes and CRLFs, trailers, bodies read to
 * the connection's end when nothing delimits them, 1xx interim responses skipped (100 and 101,
 * which nobody asked for, are errors as in undici), no body on 204/304.
 *
 * `execute` consumes bytes from an offset and stops right after a response completes, so the
 * caller sees where one response ends and the next (pipelined) one begins, whatever the split.
 * Lines are parsed in place; only a line split across chunks is copied.
 */
import http from 'node:http';
import { headersOverflow, lengthMismatch, parserError, socketError, statusAssertion } from './httpErrors.js';
import {
  BYTE,
  checkChunkExtensions,
  connectionFlags,
  contentLengthOf,
  countedBytes,
  HEX,
  isDigit,
  lastTokenStart,
  lowerEq,
  TOKEN,
  VALUE,
  WORD,
} from './httpSyntax.js';

const { CR, LF, SP, HT, COLON, SEMI } = BYTE;
const MAX_LINE = 64 * 1024;

/** Parser states. */
const S = {
  Start: 0,
  Headers: 1,
  Length: 2,
  ChunkSize: 3,
  ChunkData: 4,
  ChunkEnd: 5,
  Trailers: 6,
  UntilClose: 7,
  Done: 8,
} as const;

export class ResponseParser {
  status = 0;
  /** Body bytes of the current response, chunk framing excluded. */
  bodyBytes = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** The server's `Keep-Alive: timeout=N` in ms, or -1. */
  keepAliveHintMs = -1;
  /** True once a response has completed; `reset()` before the next. */
  done = false;
  private state: number = S.Start;
  private remaining = 0;
  private pending: Buffer | null = null;
  private headerBytes = 0;
  private contentLength = -1;
  private transferEncoding = false;
  private chunked = false;
  private http11 = true;
  private connectionClose = false;
  private connectionKeepAlive = false;

  constructor(private readonly maxHeaderSize = http.maxHeaderSize) {}

  /** True while the body runs to the connection's end (the peer closing completes it). */
  get readsUntilClose(): boolean {
    return this.state === S.UntilClose;
  }

  /** True while a response's headers are still arriving (for the headers/body timeout). */
  get inHeaders(): boolean {
    return this.state === S.Start || this.state === S.Headers;
  }

  reset(): void {
    this.status = 0;
    this.bodyBytes = 0;
    this.keepAlive = true;
    this.keepAliveHintMs = -1;
    this.done = false;
    this.state = S.Start;
    this.pending = null;
    this.startMessage();
  }

  private startMessage(): void {
    this.headerBytes = 0;
    this.contentLength = -1;
    this.transferEncoding = this.chunked = false;
    this.connectionClose = this.connectionKeepAlive = false;
  }

  /** The peer closed. True when that completed a response (a body read to the close). */
  finish(): boolean {
    if (this.state !== S.UntilClose) return false;
    this.complete();
    return true;
  }

  /** Parses `buf` from `offset`; returns where it stopped: after a completed response, or the end. */
  execute(buf: Buffer, offset: number): number {
    let at = offset;
    while (at < buf.length && !this.done) {
      switch (this.state) {
        case S.Length:
        case S.ChunkData: {
          const n = Math.min(this.remaining, buf.length - at);
          this.bodyBytes += n;
          this.remaining -= n;
          at += n;
          if (this.remaining === 0) {
            if (this.state === S.Length) this.complete();
            else [this.state, this.remaining] = [S.ChunkEnd, 2];
          }
          break;
        }
        case S.ChunkEnd:
          if (buf[at] !== (this.remaining === 2 ? CR : LF)) throw parserError('Expected LF after chunk data');
          at += 1;
          if (--this.remaining === 0) this.state = S.ChunkSize;
          break;
        case S.UntilClose:
          this.bodyBytes += buf.length - at;
          at = buf.length;
          break;
        default:
          at = this.line(buf, at);
      }
    }
    return at;
  }

  /** Reads one CRLF-terminated line from `at`, or keeps the partial line for the next chunk. */
  private line(buf: Buffer, at: number): number {
    const lf = buf.indexOf(LF, at);
    if (lf === -1) {
      this.stash(buf, at);
      return buf.length;
    }
    let b: Buffer = buf;
    let start = at;
    let end = lf;
    if (this.pending) {
      b = Buffer.concat([this.pending, buf.subarray(at, lf)]);
      [start, end, this.pending] = [0, b.length, null];
    }
    if (end === start || b[end - 1] !== CR) throw parserError('Missing expected CR after line');
    end -= 1;
    if (this.state === S.Start) this.statusLine(b, start, end);
    else if (this.state === S.ChunkSize) this.chunkSize(b, start, end);
    else if (start === end) this.endOfHeaders();
    else this.headerLine(b, start, end);
    return lf + 1;
  }

  private stash(buf: Buffer, at: number): void {
    const part = buf.subarray(at);
    this.pending = this.pending ? Buffer.concat([this.pending, part]) : Buffer.from(part);
    const p = this.pending;
    if (this.state === S.Start) {
      // A reply that cannot become a status line fails now, as llhttp fails it byte by byte.
      const skip = p[0] === CR ? (p.length > 1 && p[1] === LF ? 2 : 1) : 0;
      for (let k = skip; k < Math.min(p.length, skip + WORD.httpSlash.length); k++)
        if (p[k] !== WORD.httpSlash[k - skip]) throw parserError('Expected HTTP/, RTSP/ or ICE/');
    }
    const inHeaders = this.state === S.Headers || this.state === S.Trailers;
    if (inHeaders && this.headerBytes + countedBytes(p) >= this.maxHeaderSize) throw headersOverflow();
    if (p.length > MAX_LINE) throw parserError('Line too long');
  }

  private statusLine(b: Buffer, s: number, e: number): void {
    if (s === e) return; // llhttp skips empty lines before a response
    for (let k = 0; k < WORD.httpSlash.length; k++)
      if (s + k >= e || b[s + k] !== WORD.httpSlash[k]) throw parserError('Expected HTTP/, RTSP/ or ICE/');
    if (e - s < 9) throw parserError('Invalid version');
    const major = b[s + 5] - 48;
    const minor = b[s + 7] - 48;
    if (!isDigit(b[s + 5]) || b[s + 6] !== 46 || !isDigit(b[s + 7])) throw parserError('Invalid version');
    if (b[s + 8] !== SP) throw parserError('Expected space after version');
    if (e - s < 12 || !isDigit(b[s + 9]) || !isDigit(b[s + 10]) || !isDigit(b[s + 11]))
      throw parserError('Invalid status code');
    if (e > s + 12 && b[s + 12] !== SP) throw parserError('Invalid response status');
    for (let k = s + 13; k < e; k++) if (b[k] === CR) throw parserError('Invalid status');
    this.status = (b[s + 9] - 48) * 100 + (b[s + 10] - 48) * 10 + (b[s + 11] - 48);
    if (this.status < 100) throw statusAssertion();
    this.http11 = major > 0 && minor > 0;
    this.state = S.Headers;
  }

  private headerLine(b: Buffer, s: number, e: number): void {
    let i = s;
    while (i < e && TOKEN[b[i]] === 1) i++;
    if (i === s || i === e || b[i] !== COLON) throw parserError('Invalid header token');
    const nameEnd = i++;
    while (i < e && (b[i] === SP || b[i] === HT)) i++;
    const valueStart = i;
    for (; i < e; i++) if (VALUE[b[i]] !== 1) throw parserError('Invalid header value char');
    this.headerBytes += nameEnd - s + (e - valueStart);
    if (this.headerBytes >= this.maxHeaderSize) throw headersOverflow();
    if (this.state === S.Trailers) return;
    let valueEnd = e;
    while (valueEnd > valueStart && (b[valueEnd - 1] === SP || b[valueEnd - 1] === HT)) valueEnd--;
    this.knownHeader(b, s, nameEnd, valueStart, valueEnd);
  }

  /** The headers that decide framing and connection reuse; the others are only checked. */
  private knownHeader(b: Buffer, s: number, nameEnd: number, vs: number, ve: number): void {
    const length = nameEnd - s;
    if (length === 14 && lowerEq(b, s, nameEnd, WORD.contentLength)) {
      // undici compares the body with all Content-Length values joined: a second one never matches.
      if (this.contentLength !== -1) throw lengthMismatch();
      this.contentLength = contentLengthOf(b, vs, ve);
    } else if (length === 17 && lowerEq(b, s, nameEnd, WORD.transferEncoding)) {
      this.transferEncoding = true;
      this.chunked = lowerEq(b, lastTokenStart(b, vs, ve), ve, WORD.chunked);
    } else if (length === 10 && lowerEq(b, s, nameEnd, WORD.connection)) {
      const flags = connectionFlags(b, vs, ve);
      this.connectionClose ||= flags.close;
      this.connectionKeepAlive ||= flags.keepAlive;
    } else if (length === 10 && lowerEq(b, s, nameEnd, WORD.keepAlive)) {
      const m = /timeout=(\d+)/.exec(b.toString('latin1', vs, ve));
      if (m) this.keepAliveHintMs = Number(m[1]) * 1000;
    }
  }

  private endOfHeaders(): void {
    if (this.state === S.Trailers) {
      this.complete();
      return;
    }
    const status = this.status;
    if (status === 100) throw socketError('bad response');
    if (status === 101) throw socketError('bad upgrade');
    if (status < 200) {
      this.state = S.Start; // an interim response: the real one follows
      this.startMessage();
      return;
    }
    if (this.contentLength !== -1 && this.transferEncoding) throw lengthMismatch();
    this.keepAlive = this.http11 ? !this.connectionClose : this.connectionKeepAlive;
    if (status === 204 || status === 304) {
      if (this.contentLength > 0) throw lengthMismatch();
      this.complete();
    } else if (this.chunked) this.state = S.ChunkSize;
    else if (this.transferEncoding || this.contentLength === -1) {
      this.state = S.UntilClose;
      this.keepAlive = false;
    } else if (this.contentLength === 0) this.complete();
    else [this.state, this.remaining] = [S.Length, this.contentLength];
  }

  private chunkSize(b: Buffer, s: number, e: number): void {
    if (s === e || HEX[b[s]] < 0) throw parserError('Invalid character in chunk size');
    let size = 0;
    let k = s;
    for (; k < e && HEX[b[k]] >= 0; k++) {
      size = size * 16 + HEX[b[k]];
      if (size > Number.MAX_SAFE_INTEGER) throw parserError('Chunk size overflow');
    }
    if (k < e && b[k] !== SEMI) throw parserError('Invalid character in chunk size');
    checkChunkExtensions(b, k, e);
    if (size > 0) [this.state, this.remaining] = [S.ChunkData, size];
    else [this.state, this.headerBytes] = [S.Trailers, 0];
  }

  private complete(): void {
    this.state = S.Done;
    this.done = true;
  }
}
