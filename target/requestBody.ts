/**
 * Reads and validates a JSON request body at the boundary: media type, size, UTF-8, nesting
 * depth, syntax, then the route's schema. Each failure is a distinct 4xx so the edges suite can
 * tell them apart.
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { HttpError, validationError } from './httpErrors.js';

/** Deeper JSON than this is refused before parsing: no route needs it and parsers recurse. */
export const MAX_JSON_DEPTH = 32;

/** Past the limit the rest of the body is read and dropped up to this much more, so the client
 * still gets its 413 on a kept-alive connection; beyond it the connection is closed instead. */
const DRAIN_ALLOWANCE_BYTES = 1024 * 1024;

export interface BodyOptions {
  maxBytes: number;
  /** An absent body reads as `{}` (for routes whose body is optional). */
  optional?: boolean;
  /** Error code when the schema rejects the body. */
  invalidCode?: string;
}

export async function readJsonBody<S extends z.ZodTypeAny>(
  req: IncomingMessage,
  schema: S,
  options: BodyOptions,
): Promise<z.infer<S>> {
  const value = hasBody(req) ? parseJson(await readRaw(req, options.maxBytes)) : absentBody(options);
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, options.invalidCode ?? 'validation_failed');
  return result.data;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function absentBody(options: BodyOptions): unknown {
  if (options.optional) return {};
  throw new HttpError(400, 'empty_body', 'a JSON request body is required');
}

function requireJsonMediaType(req: IncomingMessage): void {
  const [mediaType = '', ...parameters] = (req.headers['content-type'] ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json', {
      received: req.headers['content-type'] ?? null,
    });
  }
  const charset = parameters
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(415, 'unsupported_charset', 'only charset=utf-8 is accepted', { received: charset });
  }
}

function tooLarge(maxBytes: number, closeConnection: boolean): HttpError {
  return new HttpError(
    413,
    'payload_too_large',
    `request body exceeds ${maxBytes} bytes`,
    { limitBytes: maxBytes },
    closeConnection ? { connection: 'close' } : {},
  );
}

async function readRaw(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  requireJsonMediaType(req);
  const hardStop = maxBytes + DRAIN_ALLOWANCE_BYTES;
  if (Number(req.headers['content-length'] ?? 0) > hardStop) throw tooLarge(maxBytes, true);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: () => void): void => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > hardStop) finish(() => reject(tooLarge(maxBytes, true)));
    };
    const onEnd = (): void =>
      finish(() =>
        size > maxBytes ? reject(tooLarge(maxBytes, false)) : resolve(Buffer.concat(chunks, size)),
      );
    const onAbort = (): void =>
      finish(() => reject(new HttpError(400, 'body_incomplete', 'the request body ended early')));
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new HttpError(400, 'empty_body', 'a JSON request body is required');
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new HttpError(400, 'invalid_utf8', 'the request body is not valid UTF-8');
  }
  if (nestingExceeds(text, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'json_too_deep', `JSON nesting deeper than ${MAX_JSON_DEPTH} levels`, {
      maxDepth: MAX_JSON_DEPTH,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      400,
      'invalid_json',
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** Bracket depth outside string literals; a linear scan, so it is safe on any input. */
function nestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
