/** Path matching for any of the package's services: "/sessions/:id" patterns, no framework. */
import { HttpError } from './httpErrors.js';

/** What the router needs of a route: any of the package's services can define its own handler type. */
export interface RouteShape {
  method: 'GET' | 'POST' | 'DELETE';
  /** Literal segments and ":name" parameters. */
  path: string;
}

export type RouteMatch<R extends RouteShape = RouteShape> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

export class Router<R extends RouteShape = RouteShape> {
  private readonly compiled: { route: R; segments: string[] }[];

  constructor(routes: readonly R[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.path.split('/') }));
  }

  match(method: string, pathname: string): RouteMatch<R> {
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

  /** The matched route, or the 404 / 405 refusal to answer instead. */
  resolve(method: string, pathname: string): { route: R; params: Record<string, string> } {
    const match = this.match(method, pathname);
    if (match.kind === 'none') throw new HttpError(404, 'not_found', `no route for ${method} on this path`);
    if (match.kind === 'wrong-method') {
      throw new HttpError(
        405,
        'method_not_allowed',
        `${method} is not allowed here`,
        { allowed: match.allowed },
        { allow: match.allowed.join(', ') },
      );
    }
    return match;
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
