/**
 * Every refusal the target makes is an HttpError, answered as a JSON body
 * `{ "error": code, "message": text, ...details }`.
 */
import type { ZodError } from 'zod';

/** Statuses that mean "the client sent something malformed": the crash-on-malformed switch keys on these. */
const MALFORMED_STATUSES = new Set([400, 403, 413, 415, 422, 431]);

/** Issues listed in a validation error body; the rest are only counted. */
const MAX_LISTED_ISSUES = 10;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get malformed(): boolean {
    return MALFORMED_STATUSES.has(this.status);
  }

  body(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** 422 naming the first problem in `message` and listing the first few as `issues`. */
export function validationError(error: ZodError, code: string, pathPrefix = ''): HttpError {
  const issues = error.issues.map((issue) => ({
    path: [pathPrefix, ...issue.path].filter((part) => part !== '').join('.') || '(body)',
    message: issue.message,
  }));
  const first = issues[0];
  return new HttpError(422, code, first ? `${first.path}: ${first.message}` : 'invalid input', {
    issues: issues.slice(0, MAX_LISTED_ISSUES),
    issueCount: issues.length,
  });
}

export function notFound(code: string, message: string): HttpError {
  return new HttpError(404, code, message);
}
