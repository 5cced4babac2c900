/** Route table types and path matching ("/sessions/:id" patterns, no framework). */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { HttpError } from './httpErrors.js';
import type { TargetRuntime } from './runtime.js';

export interface BodyRequest {
  /** The file-sized limit (maxBodyBytes plus envelope) instead of the small default. */
  large?: boolean;
  optional?: boolean;
  invalidCode?: string;
}

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly params: Readonly<Record<string, string>>;
  readonly runtime: TargetRuntime;
  body<S extends z.ZodTypeAny>(schema: S, request?: BodyRequest): Promise<z.infer<S>>;
}

export type Reply = { status: number; json: unknown } | { status: number; text: string; contentType: string };

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Literal segments and ":name" parameters. */
  path: string;
  /** Admin and metrics routes: exempt from the slow and leak switches, so a faulty target can still be steered. */
  control?: boolean;
  handle(ctx: RouteContext): Promise<Reply> | Reply;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

export function ok(json: unknown): Reply {
  return { status: 200, json };
}

export class Router {
  private readonly compiled: { route: Route; segments: string[] }[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.path.split('/') }));
  }

  match(method: string, pathname: string): RouteMatch {
    const segments = pathname.split('/');
    const allowed: string[] = [];
    for (const { route, segments: pattern } of this.compiled) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}

function matchSegments(
  pattern: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected.startsWith(':')) params[expected.slice(1)] = decodeSegment(actual[i]);
    else if (expected !== actual[i]) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_url', 'the path contains malformed percent-encoding');
  }
}
