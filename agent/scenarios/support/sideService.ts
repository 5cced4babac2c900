/**
 * Services a case talks to beside the target: the upstream fault proxy's control API and a user's
 * restart hook. Their URLs arrive as shard parameters, so each is checked here: an http URL on the
 * target's own host or on loopback (hosts the agent's allowlist already admits for the target),
 * reached through agent/http's client like the target itself.
 */
import type { HttpResponse, ScenarioContext } from '../../../shared/model/scenario.js';
import { ScenarioParamError } from '../../../shared/model/params.js';
import { TargetClient } from '../../http/client.js';
import { outboundOf } from '../../http/outbound.js';
import { isRecord, jsonOf } from './json.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const SIDE_TIMEOUT_MS = 10_000;

/** The URL in parameter `name`, or undefined when the parameter is absent. */
export function sideUrlParam(ctx: ScenarioContext, name: string): URL | undefined {
  const raw = ctx.params[name];
  return raw === undefined ? undefined : sideUrl(raw, name, ctx.target);
}

/** `raw` (parameter `name`) as a URL a case may call beside `target`. */
export function sideUrl(raw: unknown, name: string, target: string): URL {
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ScenarioParamError(name, 'an http:// or https:// URL', raw);
  const host = url.hostname.toLowerCase();
  if (!LOOPBACK.has(host) && host !== new URL(target).hostname.toLowerCase())
    throw new ScenarioParamError(name, `a URL on loopback or on the target's host`, raw);
  return url;
}

/** A small client for one side service; `close()` when done. */
export class SideService {
  private readonly client: TargetClient;

  constructor(
    ctx: ScenarioContext,
    readonly url: URL,
    private readonly what: string,
  ) {
    // Through the shard's own outbound path: a side call waits at the thermal gate like any request.
    this.client = new TargetClient(url.href, 2, SIDE_TIMEOUT_MS, outboundOf(ctx));
  }

  send(method: string, path: string, json?: unknown): Promise<HttpResponse> {
    return this.client.send({ method, path, ...(json !== undefined ? { json } : {}) });
  }

  /** A call that must answer 2xx with a JSON object (or no body); anything else is an error naming it. */
  async call(method: string, path: string, json?: unknown): Promise<Record<string, unknown>> {
    const answer = await this.send(method, path, json);
    const body = answer.body === '' ? {} : jsonOf(answer.body);
    if (answer.status < 200 || answer.status >= 300 || !isRecord(body))
      throw new Error(
        `${this.what}: ${method} ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`,
      );
    return body;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
