/**
 * Sessions: created on first use, capped, least recently used evicted first. Each carries a digest
 * of its history so a corrupted session is detected and reset instead of served.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';

export const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 characters of A-Z, a-z, 0-9, _ or -');

const HISTORY_ENTRIES = 10;
const HISTORY_ENTRY_CHARS = 200;

export const persistedSessionSchema = z
  .object({
    id: sessionIdSchema,
    createdAt: z.number().int().min(0),
    lastUsedAt: z.number().int().min(0),
    turns: z.number().int().min(0),
    history: z.array(z.string().max(HISTORY_ENTRY_CHARS)).max(HISTORY_ENTRIES),
    digest: z.string().max(64),
  })
  .strict();
export type Session = z.infer<typeof persistedSessionSchema>;

export interface SessionPolicy {
  maxSessions(): number;
  /** False while the no-session-cleanup fault is on. */
  cleanup(): boolean;
  /** False while the session-sweep fault is on: then only the sweep enforces the cap. */
  capOnCreate(): boolean;
  /** True while the session-leak-on-corrupt fault is on. */
  leakOnCorrupt(): boolean;
  onChange(): void;
}

export interface SessionUse {
  session: Session;
  created: boolean;
  /** The session's history failed its digest and was reset. */
  recovered: boolean;
}

export class SessionStore {
  /** Map order is recency order: a used session is re-inserted last, so the first one is the LRU. */
  private readonly sessions = new Map<string, Session>();
  /** Corrupted sessions kept by the leak fault: counted live, never evicted, never reachable. */
  private readonly leaked: Session[] = [];
  private peakLive = 0;
  private evicted = 0;
  /** Sessions in the state file whose digest did not match, left out at load. */
  readonly droppedOnRestore: number;

  constructor(
    private readonly policy: SessionPolicy,
    restored: readonly Session[],
  ) {
    const intact = restored.filter((s) => digestOf(s.history) === s.digest);
    for (const session of intact.sort((a, b) => a.lastUsedAt - b.lastUsedAt))
      this.sessions.set(session.id, { ...session });
    this.droppedOnRestore = restored.length - intact.length;
    this.enforceCap();
    this.peakLive = this.live;
  }

  get live(): number {
    return this.sessions.size + this.leaked.length;
  }

  /** Highest live count since the store was built (start or restart): updated on every change that adds one. */
  get peak(): number {
    return this.peakLive;
  }

  get evictedTotal(): number {
    return this.evicted;
  }

  /** The named session (created when unknown, or a new one when no id is given), marked most recent. */
  use(id: string | undefined, now = Date.now()): SessionUse {
    const existing = id === undefined ? undefined : this.sessions.get(id);
    const recovered = existing !== undefined && digestOf(existing.history) !== existing.digest;
    const leaking = recovered && this.policy.leakOnCorrupt();
    if (leaking && existing) this.leaked.push(existing);
    const session = existing && !leaking ? existing : blankSession(id ?? randomUUID(), now);
    if (recovered && !leaking) Object.assign(session, { turns: 0, history: [], digest: digestOf([]) });
    session.lastUsedAt = now;
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
    if (!existing && this.policy.capOnCreate()) this.enforceCap();
    // After the cap: the mark is of what the store holds between requests, as a reader can see it.
    this.peakLive = Math.max(this.peakLive, this.live);
    this.policy.onChange();
    return { session, created: !existing, recovered };
  }

  recordTurn(session: Session, prompt: string): void {
    session.history = [...session.history, prompt.slice(0, HISTORY_ENTRY_CHARS)].slice(-HISTORY_ENTRIES);
    session.turns++;
    session.digest = digestOf(session.history);
    this.policy.onChange();
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  delete(id: string): boolean {
    const deleted = this.sessions.delete(id);
    if (deleted) this.policy.onChange();
    return deleted;
  }

  /** Scrambles a session's history behind its digest's back (for the session-corruption case). */
  corrupt(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    session.history = ['\u0000corrupted\u0000'];
    this.policy.onChange();
    return true;
  }

  enforceCap(): void {
    if (!this.policy.cleanup()) return;
    const max = this.policy.maxSessions();
    for (const id of this.sessions.keys()) {
      if (this.sessions.size <= max) break;
      this.sessions.delete(id);
      this.evicted++;
    }
  }

  snapshot(): Session[] {
    return [...this.sessions.values()];
  }
}

function blankSession(id: string, now: number): Session {
  return { id, createdAt: now, lastUsedAt: now, turns: 0, history: [], digest: digestOf([]) };
}

function digestOf(history: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(history)).digest('hex').slice(0, 16);
}
