import { after, before } from 'node:test';
import { startTarget, type RunningTarget, type TargetOptions } from '../../target/server.js';
/** A small JSON client for the target tests, on its own undici Agent so each file closes its sockets. */
import { Agent, request } from 'undici';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed body when it is JSON; tests read fields off it freely. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read fields of the parsed JSON freely
  json: any;
}

export interface RawBody {
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export class TargetClient {
  private readonly agent = new Agent({ connections: 512, keepAliveTimeout: 1000 });

  constructor(readonly baseUrl: string) {}

  get(path: string): Promise<Answer> {
    return this.send('GET', path);
  }

  delete(path: string): Promise<Answer> {
    return this.send('DELETE', path);
  }

  post(path: string, body?: unknown): Promise<Answer> {
    return body === undefined
      ? this.send('POST', path)
      : this.send('POST', path, { body: JSON.stringify(body), contentType: 'application/json' });
  }

  async send(method: 'GET' | 'POST' | 'DELETE' | 'PUT', path: string, raw?: RawBody): Promise<Answer> {
    const headers: Record<string, string> = { ...raw?.headers };
    if (raw?.contentType) headers['content-type'] = raw.contentType;
    const response = await request(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: raw?.body,
      dispatcher: this.agent,
    });
    const text = await response.body.text();
    const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
    return {
      status: response.statusCode,
      headers: response.headers,
      text,
      json: isJson ? JSON.parse(text) : undefined,
    };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Starts one target for the whole test file and hands it over, with a client, before the tests run. */
export function hookTarget(
  options: Partial<TargetOptions>,
  use: (target: RunningTarget, api: TargetClient) => void,
): void {
  let target: RunningTarget;
  let api: TargetClient;
  before(async () => {
    target = await startTarget({ log: () => undefined, ...options });
    api = new TargetClient(target.url);
    use(target, api);
  });
  after(async () => {
    await api.close();
    await target.close();
  });
}

/** Runs `body` against a target of its own, then stops it; returns the lines the target logged. */
export async function withTarget(
  options: Partial<TargetOptions>,
  body: (api: TargetClient) => Promise<void>,
): Promise<string[]> {
  const lines: string[] = [];
  const target = await startTarget({ log: (line) => lines.push(line), ...options });
  const api = new TargetClient(target.url);
  try {
    await body(api);
  } finally {
    await api.close();
    await target.close();
  }
  return lines;
}
