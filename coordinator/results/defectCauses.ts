/**
 * Causes that name the service's own defect from the evidence a case read off the target: the
 * attempts in its answers (a blip not retried, a fallback not taken), the upstream proxy's counts,
 * the chain read back, the file read back, sessions counted live, state read after a restart, and
 * connections it cut. Each is tried before the generic causes (5xx, timeouts, a threshold missed),
 * which would otherwise claim the same failure without saying why.
 */
import type { CaseReport } from '../report/types.js';
import { byThreshold, errorCount, failedThreshold, thresholdDetail, type Cause } from './causeEvidence.js';

const counter = (r: CaseReport, name: string) => r.metrics.counters[name] ?? 0;

/** Fits when the case missed a success/latency threshold and `count` of the evidence is present. */
const failingWith = (name: string, say: (n: number) => string) => (r: CaseReport) => {
  const n = counter(r, name);
  const t = failedThreshold(r, /^(successRate|meanMs|p\d+Ms|maxMs|counter\.fallbackAnswers)$/);
  return t && n > 0 ? `${say(n)}; ${thresholdDetail(t)}` : undefined;
};

export const DEFECT_CAUSES: Cause[] = [
  {
    cause: 'provider failures not retried',
    recommendation:
      'A transient provider failure (a reset, a 5xx) failed the whole request after one try: retry such failures on the same provider a few times with a short back-off before calling it out.',
    matches: failingWith(
      'unretriedFailures',
      (n) => `${n} request(s) refused after one failed try of a provider`,
    ),
  },
  {
    cause: 'fallback not used',
    recommendation:
      'A provider that was out (timed out, down, failing) failed the request although the chain had others: move on to the next provider of the fallback chain instead of giving up.',
    matches: failingWith(
      'noFallbackFailures',
      (n) => `${n} request(s) refused with only one provider of the chain tried`,
    ),
  },
  {
    cause: 'faults never reached the provider path',
    recommendation:
      "The upstream fault proxy saw none of the service's provider calls, so the network case measured nothing: point the service's provider base URLs at the proxy's per-provider URLs (stampede-upstream --proxy prints them; target/README.md, \"Your own service\").",
    matches: byThreshold(/^counter\.(upstreamFaults|slowedCalls|downPhaseCalls)$/),
  },
  {
    cause: 'connections cut at a limit',
    recommendation:
      'Held connections were reset or refused: the service runs out of connections or file handles well before its clients do; raise its connection limit and file-descriptor limit (ulimit -n) and time out idle slow clients instead of refusing new ones.',
    matches: (r) => {
      const t = failedThreshold(r, /^gauge\.droppedConnections$/);
      if (!t) return undefined;
      const { targetRefusedConnections: refused, targetConnectionLimit: limit } = r.metrics.gauges;
      const own =
        refused !== undefined
          ? `; the target counted ${refused} refused${limit !== undefined ? ` (its limit ${limit})` : ''}`
          : '';
      return `${t.actual} held connection(s) cut or refused by the target${own}`;
    },
  },
  {
    cause: 'primary switch ignored',
    recommendation:
      'The admin hook answered a switch of the primary provider but the chain in force did not change: apply the switch to the live chain (and its config version), not only to the answer.',
    matches: (r) => {
      const t = failedThreshold(r, /^(counter\.switchesIgnored|gauge\.answeringProviders)$/);
      return t
        ? `${counter(r, 'switchesIgnored')} switch(es) not in force when read back; ${thresholdDetail(t)}`
        : undefined;
    },
  },
  {
    cause: 'appends torn',
    recommendation:
      'Concurrent appends to one file interleaved: take a per-file lock around each append and write each record in one write.',
    matches: (r) => {
      const t = failedThreshold(r, /^counter\.(tornAppends|duplicatedAppends)$/);
      return t
        ? `${counter(r, 'tornAppends')} torn line(s), ${counter(r, 'lostAppends')} acknowledged record(s) missing`
        : undefined;
    },
  },
  {
    cause: 'sessions leaked',
    recommendation:
      'Sessions stayed counted live after the case deleted every session it opened: a replaced (corrupted) or deleted session is still held somewhere; drop every reference when replacing one.',
    matches: byThreshold(/^gauge\.sessionsLeaked$/),
  },
  {
    cause: 'state lost on restart',
    recommendation:
      'Sessions saved before a restart were gone after it: load the state file at start, write it atomically soon after each change, and only start clean when the file is really damaged.',
    matches: (r) => {
      const t = failedThreshold(r, /^counter\.(stateLost|statePreserved)$/);
      return t
        ? `${counter(r, 'stateLost')} of ${counter(r, 'restarts')} restart(s) lost the session opened before; ${thresholdDetail(t)}`
        : undefined;
    },
  },
  {
    cause: 'restart had no effect',
    recommendation:
      'The restart hook answered but the same process went on serving: make the hook restart the service process for real (its pid must change).',
    matches: (r) => {
      const key = r.errors.find((e) => e.key.endsWith(': NO_RESTART'));
      return key && errorCount(r, key.key) > 0
        ? `${key.count} restart(s) left the same process running`
        : undefined;
    },
  },
];
