/**
 * Fuzzing every decoder of shared/protocol/codec.ts with fast-check, 10,000 cases each: random
 * bytes, random JSON, truncated messages, valid messages with one field replaced, removed or
 * added, another protocol version or kind, and oversized ones. A decoder either returns a
 * message of its kind that survives encode -> decode unchanged, or throws a ProtocolError with a
 * reason; nothing else may escape (no TypeError, no RangeError, no stack overflow).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  decodeAbort,
  decodeAnnounce,
  decodeClockPing,
  decodeClockPong,
  decodeLease,
  decodePlan,
  decodeProgress,
  decodeReady,
  decodeResult,
  decodeRunState,
  decodeAccepted,
  decodeShardAssign,
  decodeStart,
  encode,
  type Message,
} from '../../shared/protocol/index.js';
import { VALID_MESSAGES } from '../helpers/protocolFixtures.js';

const CASES = 10_000;
const REASONS = new Set<ProtocolError['reason']>([
  'oversized',
  'malformed',
  'wrong_kind',
  'version',
  'invalid',
]);
const KINDS = Object.keys(VALID_MESSAGES) as Message['kind'][];

const DECODERS: { [K in Message['kind']]: (data: Uint8Array) => Message } = {
  'agent.announce': decodeAnnounce,
  'shard.assign': decodeShardAssign,
  'shard.ready': decodeReady,
  'shard.start': decodeStart,
  'clock.ping': decodeClockPing,
  'clock.pong': decodeClockPong,
  'run.lease': decodeLease,
  'run.abort': decodeAbort,
  'shard.progress': decodeProgress,
  'shard.result': decodeResult,
  'run.state': decodeRunState,
  'shard.accepted': decodeAccepted,
  'run.plan': decodePlan,
};

const utf8 = new TextEncoder();
const bytesOf = (value: unknown) => utf8.encode(JSON.stringify(value) ?? 'undefined');

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

/** The message with the value at `path` replaced, removed, or a sibling field added. */
function mutated(base: object, path: Path, op: 'set' | 'delete' | 'add', replacement: unknown): unknown {
  if (path.length === 0) return op === 'set' ? replacement : base;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (op === 'set') parent[last] = replacement;
  else if (op === 'delete') delete parent[last];
  else if (!Array.isArray(parent)) parent[`extra_${String(last)}`] = replacement;
  return copy;
}

const nasty = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -1,
  -0,
  1e308,
  2 ** 53 + 1,
  0.5,
  '',
  'x'.repeat(70),
  '../../etc/passwd',
  'a.b',
  '\u0000',
  '\ud800',
  null,
  true,
  [],
  {},
);
const replacement = fc.oneof(nasty, fc.anything({ maxDepth: 3 }), fc.string(), fc.integer(), fc.double());

function inputs(kind: Message['kind']): fc.Arbitrary<Uint8Array> {
  const valid = VALID_MESSAGES[kind];
  const encoded = encode(valid);
  const paths = pathsOf(valid);
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...paths), fc.constantFrom('set', 'delete', 'add' as const), replacement)
        .map(([p, op, r]) => bytesOf(mutated(valid, p, op, r))),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }).map((j) => utf8.encode(j)) },
    { weight: 1, arbitrary: fc.nat({ max: encoded.length }).map((n) => encoded.slice(0, n)) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.integer(), fc.double(), fc.string())
        .map((p) => bytesOf({ ...valid, protocol: p })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...KINDS).map((k) => bytesOf({ ...valid, kind: k })) },
    {
      weight: 1,
      arbitrary: fc.nat({ max: 100 }).map((d) => utf8.encode(`${'['.repeat(d * 50)}${']'.repeat(d * 50)}`)),
    },
  );
}

/** Returns whether the input was accepted. */
function check(kind: Message['kind'], data: Uint8Array): boolean {
  let decoded: Message;
  try {
    decoded = DECODERS[kind](data);
  } catch (error) {
    if (error instanceof ProtocolError && REASONS.has(error.reason)) return false;
    throw new Error(`${kind}: escaped ${(error as Error)?.name}: ${(error as Error)?.message}`);
  }
  assert.equal(decoded.kind, kind);
  if (kind !== 'agent.announce') assert.equal(decoded.protocol, PROTOCOL_VERSION);
  let again: Uint8Array;
  try {
    again = encode(decoded);
  } catch (error) {
    // Re-encoding may only fail for size (JSON.stringify can write a number longer than it came).
    assert.ok(error instanceof ProtocolError && error.reason === 'oversized', String(error));
    return true;
  }
  assert.deepEqual(DECODERS[kind](again), decoded);
  return true;
}

for (const kind of KINDS) {
  test(`${kind}: ${CASES} fuzzed inputs are decoded or rejected with a reason, never crash`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(inputs(kind), (data) => {
        if (check(kind, data)) accepted += 1;
      }),
      { numRuns: CASES },
    );
    // Both paths ran: some mutations are still valid messages, most are not.
    assert.ok(accepted > 0 && accepted < CASES * 0.5, `${accepted} of ${CASES} accepted`);
  });
}

test('oversized messages of every kind are rejected before parsing', () => {
  for (const kind of KINDS) {
    const huge = utf8.encode(`{"pad":"${'x'.repeat(1024 * 1024)}"}`);
    assert.throws(
      () => DECODERS[kind](huge),
      (e: unknown) => e instanceof ProtocolError && e.reason === 'oversized',
    );
  }
});

test('another protocol version is rejected as such by every versioned decoder', () => {
  for (const kind of KINDS.filter((k) => k !== 'agent.announce')) {
    assert.throws(
      () => DECODERS[kind](bytesOf({ ...VALID_MESSAGES[kind], protocol: PROTOCOL_VERSION + 1 })),
      (e: unknown) => e instanceof ProtocolError && e.reason === 'version',
    );
  }
});
