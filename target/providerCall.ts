/**
 * One call to a provider's HTTP API (`POST <base>/v1/complete`, the stampede-upstream protocol)
 * within a per-attempt deadline, classified by what a caller can do about it: a transient failure
 * (connection reset or refused, 5xx, 408, 429) is worth retrying; a timeout or any other refusal is not.
 */
import { Agent, errors, request } from 'undici';
import { abortScope } from './abortScope.js';

export type CallOutcome = 'ok' | 'failed' | 'reset' | 'timeout';

export interface CallResult {
  outcome: CallOutcome;
  transient: boolean;
  /** The provider's answer text, when ok. */
  answer?: string;
}

export interface CallRequest {
  baseUrl: string;
  timeoutMs: number;
  body: unknown;
}

/** Answers beyond this are refused by the client: no provider answer of ours comes near it. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const TRANSIENT_STATUSES = new Set([408, 429]);

export function providerDispatcher(): Agent {
  return new Agent({ connections: 256, keepAliveTimeout: 4000, maxResponseSize: MAX_ANSWER_BYTES });
}

export async function callProvider(
  dispatcher: Agent,
  call: CallRequest,
  lifetime: AbortSignal,
): Promise<CallResult> {
  const scope = abortScope(lifetime, call.timeoutMs);
  try {
    const response = await request(`${call.baseUrl}/v1/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(call.body),
      dispatcher,
      signal: scope.signal,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      const transient = response.statusCode >= 500 || TRANSIENT_STATUSES.has(response.statusCode);
      return { outcome: 'failed', transient };
    }
    const answer = answerOf(text);
    return answer === undefined
      ? { outcome: 'failed', transient: false }
      : { outcome: 'ok', transient: false, answer };
  } catch (error) {
    if (lifetime.aborted) throw error;
    if (scope.timedOut()) return { outcome: 'timeout', transient: false };
    // Connection refused, reset or closed mid-answer: the network, not the request, failed.
    if (error instanceof errors.UndiciError || isSystemError(error))
      return { outcome: 'reset', transient: true };
    throw error;
  } finally {
    scope.dispose();
  }
}

function answerOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { answer?: unknown };
    return typeof body?.answer === 'string' ? body.answer : undefined;
  } catch {
    return undefined;
  }
}

function isSystemError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === 'string';
}
