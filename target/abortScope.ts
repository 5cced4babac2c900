/**
 * A signal for one piece of work that aborts when a long-lived parent does, or after a deadline,
 * and lets go of the parent once the work is done. AbortSignal.any would do the same, but on Node
 * 20 every signal it derives from a long-lived parent stays reachable (about 3 KB per call, measured
 * here), which the reference target must not do: its memory is what the memory suite judges.
 */
import { setMaxListeners } from 'node:events';

/** The controller of something long-lived (a server's lifetime) that many scopes and waits listen to at once. */
export function lifetimeController(): AbortController {
  const controller = new AbortController();
  // One listener per call in flight is by design, not a leak: no warning past 10.
  setMaxListeners(0, controller.signal);
  return controller;
}

export interface AbortScope {
  readonly signal: AbortSignal;
  /** The deadline passed (as opposed to the parent aborting). */
  timedOut(): boolean;
  /** Aborts this scope alone (e.g. the caller went away). */
  abort(): void;
  /** Detaches from the parent and clears the deadline. */
  dispose(): void;
}

export function abortScope(parent: AbortSignal, timeoutMs?: number): AbortScope {
  const controller = new AbortController();
  let expired = false;
  const onParentAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          expired = true;
          controller.abort(new DOMException('deadline passed', 'TimeoutError'));
        }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => expired,
    abort: () => controller.abort(),
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
