/** The target's route types: a route's handler sees the request, its parameters and the runtime. */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { Reply } from './jsonHttp.js';
import type { TargetRuntime } from './runtime.js';

export { ok, type Reply } from './jsonHttp.js';
import type { RouteShape } from './routeMatcher.js';
export { Router, type RouteMatch, type RouteShape } from './routeMatcher.js';

export interface BodyRequest {
  /** The file-sized limit (maxBodyBytes plus envelope) instead of the small default. */
  large?: boolean;
  optional?: boolean;
  invalidCode?: string;
}

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly runtime: TargetRuntime;
  body<S extends z.ZodTypeAny>(schema: S, request?: BodyRequest): Promise<z.infer<S>>;
}

export interface Route extends RouteShape {
  /** Admin and metrics routes: exempt from the slow and leak switches, so a faulty target can still be steered. */
  control?: boolean;
  handle(ctx: RouteContext): Promise<Reply> | Reply;
}
