/**
 * Outcome classes of one operation. Errors are classified by their stable `code` (undici's
 * `UND_ERR_*` and Node's errno names), never by message text, which changes between versions.
 */
export const OUTCOME_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'timeout', 'conn_error', 'other'] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];
export type OutcomeCounts = Record<OutcomeClass, number>;

export const OUTCOME_INDEX: Readonly<Record<OutcomeClass, number>> = Object.fromEntries(
  OUTCOME_CLASSES.map((c, i) => [c, i]),
) as Record<OutcomeClass, number>;

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
  'ABORT_ERR',
  'STAMPEDE_OP_TIMEOUT',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

export function classifyStatus(status: number): OutcomeClass {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}

/** The stable code of an error, following `cause` chains (undici wraps socket errors). */
export function errorCode(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if ((e as { name?: unknown }).name === 'AbortError' || (e as { name?: unknown }).name === 'TimeoutError')
      return 'ABORT_ERR';
    e = (e as { cause?: unknown }).cause;
  }
  return 'UNKNOWN';
}

export function classifyError(error: unknown): OutcomeClass {
  const code = errorCode(error);
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (CONNECTION_CODES.has(code)) return 'conn_error';
  return 'other';
}

export function emptyOutcomes(): OutcomeCounts {
  return Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, 0])) as OutcomeCounts;
}
