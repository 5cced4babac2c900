/** Where requests go: a target URL split into its origin and base path, and paths under it. */

/** A scenario path (`/x`, `x` or an absolute URL on the target) as a request path under the target's base path. */
export function pathOnTarget(basePath: string, path: string): string {
  if (/^https?:\/\//.test(path)) {
    const url = new URL(path);
    return url.pathname + url.search;
  }
  return basePath + (path.startsWith('/') ? path : `/${path}`);
}

/** The origin and base path of a target URL. */
export function splitTarget(target: string): { origin: string; basePath: string } {
  const url = new URL(target);
  return { origin: url.origin, basePath: url.pathname.replace(/\/$/, '') };
}
