/**
 * A small JSON-over-HTTP service (the upstream stand-ins and the proxy's control API): routes,
 * validated bodies and the same `{error, message}` refusals as the target, nothing else.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import { HttpError } from './httpErrors.js';
import { pathnameOf, queryOf, send, type Reply } from './jsonHttp.js';
import { readJsonBody } from './requestBody.js';
import { Router, type RouteShape } from './routeMatcher.js';

const BODY_BYTES = 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

export interface ServiceContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body validated by `schema`; an absent body reads as `{}` when `optional`. */
  body<S extends z.ZodTypeAny>(schema: S, optional?: boolean): Promise<z.infer<S>>;
}

export interface ServiceRoute extends RouteShape {
  handle(ctx: ServiceContext): Promise<Reply> | Reply;
}

export function createJsonService(routes: readonly ServiceRoute[], log: (line: string) => void): http.Server {
  const router = new Router(routes);
  return http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    void handle(router, req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        send(res, { status: error.status, json: error.body() }, error.headers);
        return;
      }
      if ((error as Error)?.name === 'AbortError') {
        // The caller hung up, or the service is closing: nobody is left to answer.
        res.destroy();
        return;
      }
      log(`error: ${(error as Error)?.stack ?? String(error)}`);
      send(res, { status: 500, json: { error: 'internal_error', message: 'unexpected error; see the log' } });
    });
  });
}

async function handle(
  router: Router<ServiceRoute>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? '/';
  const { route, params } = router.resolve(req.method ?? 'GET', pathnameOf(url));
  const context: ServiceContext = {
    req,
    res,
    params,
    query: queryOf(url),
    body: (schema, optional) => readJsonBody(req, schema, { maxBytes: BODY_BYTES, optional }),
  };
  send(res, await route.handle(context));
}
