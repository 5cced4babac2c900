/**
 * The requests of the capability probe: one bounded GET or OPTIONS, its answer read as text (cut
 * at 64 KiB) and described in a few words for the report ("200 text/plain "ok"").
 */
import { request } from 'undici';

const PROBE_TIMEOUT_MS = 5000;
const MAX_PROBE_BODY = 64 * 1024;

export interface ProbeAnswer {
  status: number;
  contentType: string;
  allow: string;
  body: string;
}

export type ProbeResult = ProbeAnswer | { error: string };

export async function probe(
  base: string,
  path: string,
  method: 'GET' | 'OPTIONS' = 'GET',
): Promise<ProbeResult> {
  const url = new URL(base);
  const target = `${url.origin}${url.pathname.replace(/\/$/, '')}${path}`;
  try {
    const response = await request(target, {
      method,
      headersTimeout: PROBE_TIMEOUT_MS,
      bodyTimeout: PROBE_TIMEOUT_MS,
      headers: { 'user-agent': 'stampede-coordinator capability-probe' },
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (bytes < MAX_PROBE_BODY) chunks.push(chunk);
      bytes += chunk.length;
    }
    const header = (name: string) => String(response.headers[name] ?? '');
    return {
      status: response.statusCode,
      contentType: header('content-type').split(';')[0].trim(),
      allow: header('allow'),
      body: Buffer.concat(chunks).subarray(0, MAX_PROBE_BODY).toString('utf8'),
    };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}

export function isAnswer(result: ProbeResult): result is ProbeAnswer {
  return !('error' in result);
}

/** The answer's JSON object, or undefined. */
export function jsonObject(result: ProbeResult): Record<string, unknown> | undefined {
  if (!isAnswer(result)) return undefined;
  try {
    const value = JSON.parse(result.body) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `GET /x answered 200 text/plain "ok"`, or the connection error. */
export function described(method: string, path: string, result: ProbeResult): string {
  if (!isAnswer(result)) return `${method} ${path} failed (${result.error})`;
  const body = result.body.trim().slice(0, 40).replace(/\s+/g, ' ');
  return `${method} ${path} answered ${result.status}${result.contentType ? ` ${result.contentType}` : ''}${body ? ` ${JSON.stringify(body)}` : ''}`;
}
