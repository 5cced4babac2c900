/**
 * Confines tool paths to the sandbox directory: relative paths only, no escaping through "..",
 * and no escaping through a symlink that already sits inside the sandbox.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from './httpErrors.js';

export async function resolveInSandbox(root: string, requested: string): Promise<string> {
  if (requested.includes('\0')) throw new HttpError(400, 'invalid_path', 'path contains a NUL byte');
  if (path.isAbsolute(requested)) throw outside(requested, 'absolute paths are not allowed');
  const resolved = path.resolve(root, requested);
  if (!isWithin(root, resolved)) throw outside(requested, 'path escapes the sandbox');
  if (!isWithin(root, await realpathOfNearestExisting(resolved)))
    throw outside(requested, 'path leads out through a symlink');
  return resolved;
}

function isWithin(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}

async function realpathOfNearestExisting(target: string): Promise<string> {
  let current = target;
  for (;;) {
    try {
      return path.join(await realpath(current), path.relative(current, target));
    } catch (error) {
      const parent = path.dirname(current);
      const missing = ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
      if (!missing || parent === current) throw error;
      current = parent;
    }
  }
}

function outside(requested: string, reason: string): HttpError {
  return new HttpError(403, 'path_outside_sandbox', reason, { path: requested });
}
