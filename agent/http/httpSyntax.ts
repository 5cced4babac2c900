/**
 * Byte-level HTTP/1.1 syntax for the response parser: character classes as lookup tables,
 * case-insensitive header-name matching without strings, and the header values whose syntax
 * decides framing (Content-Length, Connection, chunk extensions), each judged as llhttp does.
 */
import { lengthMismatch, parserError } from './httpErrors.js';

export const TOKEN = new Uint8Array(256);
export const VALUE = new Uint8Array(256);
export const HEX = new Int8Array(256).fill(-1);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[c.charCodeAt(0)] = 1;
for (let b = 0x20; b <= 0xff; b++) VALUE[b] = b === 0x7f ? 0 : 1;
VALUE[0x09] = 1;
for (let d = 0; d < 16; d++)
  HEX[d.toString(16).charCodeAt(0)] = HEX[d.toString(16).toUpperCase().charCodeAt(0)] = d;

export const BYTE = {
  CR: 13,
  LF: 10,
  SP: 32,
  HT: 9,
  COLON: 58,
  SEMI: 59,
  COMMA: 44,
  EQUALS: 61,
  QUOTE: 34,
  BACKSLASH: 92,
} as const;
const { CR, SP, HT, COLON, SEMI, COMMA, EQUALS, QUOTE, BACKSLASH } = BYTE;

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const WORD = {
  contentLength: bytes('content-length'),
  transferEncoding: bytes('transfer-encoding'),
  connection: bytes('connection'),
  keepAlive: bytes('keep-alive'),
  close: bytes('close'),
  chunked: bytes('chunked'),
  httpSlash: bytes('HTTP/'),
} as const;

/** `b[at..end)` equals the lower-case `word` case-insensitively (`word` holds letters and '-' only). */
export function lowerEq(b: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (end - at !== word.length) return false;
  for (let k = 0; k < word.length; k++) if ((b[at + k] | 0x20) !== word[k]) return false;
  return true;
}

export const isDigit = (c: number) => c >= 48 && c <= 57;

/** The bytes of a partial header line that undici counts against its limit: name and value so far. */
export function countedBytes(line: Buffer): number {
  const end = line[line.length - 1] === CR ? line.length - 1 : line.length;
  const colon = line.indexOf(COLON);
  if (colon === -1 || colon >= end) return end;
  let value = colon + 1;
  while (value < end && (line[value] === SP || line[value] === HT)) value++;
  return colon + (end - value);
}

/** A Content-Length value (trimmed), as llhttp reads it and undici then judges it. */
export function contentLengthOf(b: Buffer, vs: number, ve: number): number {
  if (vs === ve) throw parserError('Empty Content-Length');
  if (!isDigit(b[vs])) throw parserError('Invalid character in Content-Length');
  let n = 0;
  let k = vs;
  for (; k < ve && isDigit(b[k]); k++) {
    n = n * 10 + (b[k] - 48);
    if (n > Number.MAX_SAFE_INTEGER) throw parserError('Content-Length overflow');
  }
  // llhttp stops at the bad character; undici then finds the body against the digits before it.
  if (k < ve) throw lengthMismatch();
  return n;
}

/** The `close` and `keep-alive` tokens of a Connection value. */
export function connectionFlags(b: Buffer, vs: number, ve: number): { close: boolean; keepAlive: boolean } {
  const flags = { close: false, keepAlive: false };
  for (let k = vs; k < ve; ) {
    let end = k;
    while (end < ve && b[end] !== COMMA) end++;
    let tokenEnd = end;
    while (tokenEnd > k && (b[tokenEnd - 1] === SP || b[tokenEnd - 1] === HT)) tokenEnd--;
    if (lowerEq(b, k, tokenEnd, WORD.close)) flags.close = true;
    else if (lowerEq(b, k, tokenEnd, WORD.keepAlive)) flags.keepAlive = true;
    k = end + 1;
    while (k < ve && (b[k] === SP || b[k] === HT)) k++;
  }
  return flags;
}

/** Where the last comma-separated token of a header value starts. */
export function lastTokenStart(b: Buffer, vs: number, ve: number): number {
  let k = ve;
  while (k > vs && b[k - 1] !== COMMA) k--;
  while (k < ve && (b[k] === SP || b[k] === HT)) k++;
  return k;
}

/** `*( ";" token [ "=" ( token / quoted-string ) ] )`, which llhttp checks and undici ignores. */
export function checkChunkExtensions(b: Buffer, k: number, e: number): void {
  const bad = () => parserError('Invalid character in chunk extensions');
  while (k < e) {
    if (b[k++] !== SEMI || k >= e || TOKEN[b[k]] !== 1) throw bad();
    while (k < e && TOKEN[b[k]] === 1) k++;
    if (k >= e || b[k] !== EQUALS) continue;
    if (++k >= e) throw bad();
    if (b[k] !== QUOTE) {
      if (TOKEN[b[k]] !== 1) throw bad();
      while (k < e && TOKEN[b[k]] === 1) k++;
      continue;
    }
    for (k++; k < e && b[k] !== QUOTE; k++) {
      if (b[k] === BACKSLASH) k++;
      if (k >= e || VALUE[b[k]] !== 1) throw bad();
    }
    if (k++ >= e) throw bad();
  }
}
