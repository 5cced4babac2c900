/**
 * The edge of the protocol: one decoder per message kind that checks the size limit, UTF-8, JSON,
 * the protocol version and the strict schema before any code sees the value, and an encoder that
 * refuses what its own decoder would reject. Rejections are counted, never fatal.
 */
import type { z } from 'zod';
import { PROTOCOL_VERSION } from './version.js';
import {
  announceSchema,
  shardAssignSchema,
  readySchema,
  startSchema,
  clockPingSchema,
  clockPongSchema,
  leaseSchema,
  abortSchema,
  progressSchema,
  resultSchema,
  planSchema,
  runStateSchema,
  acceptedSchema,
  type Announce,
  type Message,
} from './messages.js';
export type RejectReason = 'oversized' | 'malformed' | 'wrong_kind' | 'version' | 'invalid';

export class ProtocolError extends Error {
  readonly code = 'E_PROTOCOL';
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

interface Definition<T> {
  schema: z.ZodType<T>;
  maxBytes: number;
}

const definitions = {
  'agent.announce': { schema: announceSchema, maxBytes: 16 * 1024 },
  'shard.assign': { schema: shardAssignSchema, maxBytes: 256 * 1024 },
  'shard.ready': { schema: readySchema, maxBytes: 4 * 1024 },
  'shard.start': { schema: startSchema, maxBytes: 4 * 1024 },
  'clock.ping': { schema: clockPingSchema, maxBytes: 1024 },
  'clock.pong': { schema: clockPongSchema, maxBytes: 1024 },
  'run.lease': { schema: leaseSchema, maxBytes: 320 * 1024 },
  'run.abort': { schema: abortSchema, maxBytes: 4 * 1024 },
  'shard.progress': { schema: progressSchema, maxBytes: 64 * 1024 },
  'shard.result': { schema: resultSchema, maxBytes: 768 * 1024 },
  'run.plan': { schema: planSchema, maxBytes: 900 * 1024 },
  'run.state': { schema: runStateSchema, maxBytes: 4 * 1024 },
  'shard.accepted': { schema: acceptedSchema, maxBytes: 4 * 1024 },
} satisfies Record<Message['kind'], Definition<unknown>>;

type Kind = keyof typeof definitions;

/** Each message kind's size limit, as its decoder enforces it. */
export const MESSAGE_SIZE_LIMITS = Object.fromEntries(
  Object.entries(definitions).map(([kind, d]) => [kind, d.maxBytes]),
) as { [K in Kind]: number };
type MessageOf<K extends Kind> = Extract<Message, { kind: K }>;

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function describeIssue(issue: z.ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') return `${where}: unknown field(s) ${issue.keys.join(', ')}`;
  return `${where}: ${issue.message}`;
}

function decode<K extends Kind>(kind: K, data: Uint8Array): MessageOf<K> {
  const { schema, maxBytes } = definitions[kind] as unknown as Definition<MessageOf<K>>;
  if (data.byteLength > maxBytes)
    throw new ProtocolError(
      'oversized',
      `${kind}: ${data.byteLength} bytes exceeds the limit of ${maxBytes}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new ProtocolError('malformed', `${kind}: not UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== kind) {
    throw new ProtocolError(
      'wrong_kind',
      `expected a ${kind} message, got kind ${JSON.stringify((value as { kind?: unknown } | null)?.kind ?? null)}`,
    );
  }
  const protocol = (value as { protocol?: unknown }).protocol;
  if (protocol !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'version',
      `${kind}: protocol version ${JSON.stringify(protocol)} does not match ours (${PROTOCOL_VERSION})`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ProtocolError('invalid', `${kind}: ${describeIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

/**
 * Announces are decoded without the version check so that the coordinator can refuse an agent
 * of another protocol version by name instead of dropping it silently.
 */
export function decodeAnnounce(data: Uint8Array): Announce {
  const { schema, maxBytes } = definitions['agent.announce'];
  if (data.byteLength > maxBytes)
    throw new ProtocolError(
      'oversized',
      `agent.announce: ${data.byteLength} bytes exceeds the limit of ${maxBytes}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new ProtocolError('malformed', 'agent.announce: not UTF-8 JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ProtocolError('invalid', `agent.announce: ${describeIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

export const decodeShardAssign = (data: Uint8Array) => decode('shard.assign', data);
export const decodeReady = (data: Uint8Array) => decode('shard.ready', data);
export const decodeStart = (data: Uint8Array) => decode('shard.start', data);
export const decodeClockPing = (data: Uint8Array) => decode('clock.ping', data);
export const decodeClockPong = (data: Uint8Array) => decode('clock.pong', data);
export const decodeLease = (data: Uint8Array) => decode('run.lease', data);
export const decodeAbort = (data: Uint8Array) => decode('run.abort', data);
export const decodeProgress = (data: Uint8Array) => decode('shard.progress', data);
export const decodeResult = (data: Uint8Array) => decode('shard.result', data);
export const decodePlan = (data: Uint8Array) => decode('run.plan', data);
export const decodeRunState = (data: Uint8Array) => decode('run.state', data);
export const decodeAccepted = (data: Uint8Array) => decode('shard.accepted', data);

/** Encodes a message, refusing one that its own decoder would reject as oversized. */
export function encode(message: Message): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(message));
  const limit = definitions[message.kind].maxBytes;
  if (bytes.byteLength > limit)
    throw new ProtocolError(
      'oversized',
      `${message.kind}: ${bytes.byteLength} bytes exceeds the limit of ${limit}`,
    );
  return bytes;
}

/**
 * Counts rejected messages by reason and logs the first few of each, so a flood of garbage can
 * neither crash a process nor drown its log.
 */
export class RejectedMessages {
  readonly counts = new Map<RejectReason | 'other', number>();
  constructor(
    private readonly log: (line: string) => void,
    private readonly logFirst = 5,
  ) {}

  record(subject: string, error: unknown): void {
    const reason = error instanceof ProtocolError ? error.reason : 'other';
    const n = (this.counts.get(reason) ?? 0) + 1;
    this.counts.set(reason, n);
    if (n <= this.logFirst) {
      const suffix = n === this.logFirst ? ' (further ones of this kind are counted, not logged)' : '';
      this.log(`rejected message on ${subject}: ${(error as Error).message}${suffix}`);
    }
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
}
