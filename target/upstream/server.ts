/**
 * A stand-in LLM provider over real HTTP: `POST /v1/complete` answers after a configurable latency,
 * fails at a configurable rate, pads its answer to a configurable size; `GET /health` says whether
 * it is healthy and what it served. Settings change at run time through `/admin/settings`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { abortScope, lifetimeController } from '../abortScope.js';
import { providerNameSchema } from '../config.js';
import { HttpError } from '../httpErrors.js';
import { listen, ok, stopServer, urlOf } from '../jsonHttp.js';
import { createJsonService, type ServiceRoute } from '../jsonService.js';
import {
  answerText,
  completionRequestSchema,
  DEFAULT_UPSTREAM_SETTINGS,
  planCall,
  upstreamSettingsSchema,
  type CompletionAnswer,
  type UpstreamSettings,
} from './settings.js';

export const upstreamOptionsSchema = upstreamSettingsSchema
  .partial()
  .extend({
    /** Named in every answer and in /health; without it, answers name the provider the caller asked for. */
    name: providerNameSchema.optional(),
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().min(1).max(255).default('127.0.0.1'),
  })
  .strict();
export type UpstreamOptions = z.input<typeof upstreamOptionsSchema> & { log?: (line: string) => void };

export interface UpstreamCalls {
  total: number;
  ok: number;
  failed: number;
  unhealthy: number;
  /** The caller went away before the answer (e.g. its timeout). */
  abandoned: number;
}

export interface RunningUpstream {
  name: string | undefined;
  url: string;
  port: number;
  settings(): UpstreamSettings;
  calls(): UpstreamCalls;
  close(): Promise<void>;
}

const settingsChangeSchema = upstreamSettingsSchema.partial();

export async function startUpstream(options: UpstreamOptions = {}): Promise<RunningUpstream> {
  const { log = (line: string) => process.stderr.write(`stampede-upstream: ${line}\n`), ...rest } = options;
  const parsed = upstreamOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid upstream option ${issue?.path.join('.') || '(options)'}: ${issue?.message}`);
  }
  const { name, port, host, ...given } = parsed.data;
  const settings: UpstreamSettings = { ...DEFAULT_UPSTREAM_SETTINGS, ...given };
  const calls: UpstreamCalls = { total: 0, ok: 0, failed: 0, unhealthy: 0, abandoned: 0 };
  const lifetime = lifetimeController();
  const server = createJsonService(upstreamRoutes(name, settings, calls, lifetime.signal), log);
  const bound = await listen(server, port, host);
  return {
    name,
    url: urlOf(host, bound),
    port: bound,
    settings: () => ({ ...settings }),
    calls: () => ({ ...calls }),
    close: async () => {
      lifetime.abort();
      await stopServer(server);
    },
  };
}

function upstreamRoutes(
  name: string | undefined,
  settings: UpstreamSettings,
  calls: UpstreamCalls,
  lifetime: AbortSignal,
): ServiceRoute[] {
  const health = () => ({ ok: settings.healthy, name: name ?? null, calls: { ...calls } });
  return [
    {
      method: 'POST',
      path: '/v1/complete',
      async handle({ body, res }) {
        const request = await body(completionRequestSchema);
        calls.total++;
        if (!settings.healthy) {
          calls.unhealthy++;
          throw new HttpError(503, 'provider_unhealthy', 'this provider is marked unhealthy');
        }
        const plan = planCall(settings, request.simulate);
        const started = Date.now();
        const scope = abortScope(lifetime);
        // The caller hung up before its answer: stop waiting on its behalf.
        const abandon = () => !res.writableFinished && scope.abort();
        res.once('close', abandon);
        try {
          await sleep(plan.waitMs, undefined, { signal: scope.signal });
        } catch (error) {
          calls.abandoned++;
          throw error;
        } finally {
          res.off('close', abandon);
          scope.dispose();
        }
        if (plan.fails) {
          calls.failed++;
          throw new HttpError(503, 'provider_error', 'the provider failed this call');
        }
        calls.ok++;
        const answer = answerText(request.prompt, plan.answerBytes);
        const reply: CompletionAnswer = {
          provider: name ?? request.provider ?? 'upstream',
          answer,
          usage: { promptChars: request.prompt.length, answerBytes: Buffer.byteLength(answer) },
          latencyMs: Date.now() - started,
        };
        return ok(reply);
      },
    },
    {
      method: 'GET',
      path: '/health',
      handle: () => ({ status: settings.healthy ? 200 : 503, json: health() }),
    },
    { method: 'GET', path: '/admin/settings', handle: () => ok({ name: name ?? null, ...settings }) },
    {
      method: 'POST',
      path: '/admin/settings',
      async handle({ body }) {
        Object.assign(settings, await body(settingsChangeSchema));
        return ok({ name: name ?? null, ...settings });
      },
    },
  ];
}

export interface RunningUpstreams {
  upstreams: RunningUpstream[];
  /** Provider name -> base URL. */
  urls: Record<string, string>;
  close(): Promise<void>;
}

/** Several named stand-ins, each its own server on its own port; shared settings apply to all. */
export async function startUpstreams(
  providers: readonly (string | (UpstreamOptions & { name: string }))[],
  shared: Omit<UpstreamOptions, 'name' | 'port'> = {},
): Promise<RunningUpstreams> {
  const names = providers.map((p) => (typeof p === 'string' ? p : p.name));
  if (new Set(names).size !== names.length)
    throw new Error(`duplicate upstream names in ${names.join(', ')}`);
  const started: RunningUpstream[] = [];
  const close = async () => {
    await Promise.all(started.map((u) => u.close()));
  };
  try {
    for (const provider of providers)
      started.push(
        await startUpstream({ ...shared, ...(typeof provider === 'string' ? { name: provider } : provider) }),
      );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    upstreams: started,
    urls: Object.fromEntries(started.map((u) => [u.name as string, u.url])),
    close,
  };
}
