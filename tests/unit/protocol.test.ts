import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOGUE_HASH } from '../../shared/model/catalogue.js';
import {
  ProtocolError,
  RejectedMessages,
  decodeLease,
  decodeResult,
  decodeShardAssign,
  encode,
  type ShardAssign,
} from '../../shared/protocol/index.js';

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

const shard: ShardAssign = {
  kind: 'shard.assign',
  protocol: PROTOCOL_VERSION,
  catalogueHash: CATALOGUE_HASH,
  runId: 'r1',
  shardId: 's-0',
  caseId: 'concurrency.high_concurrent_requests',
  suite: 'concurrency',
  caseName: 'high_concurrent_requests',
  title: 't',
  scenario: 'http',
  index: 0,
  count: 1,
  load: { connections: 2, requests: 10, durationMs: 1000, rate: 0 },
  params: { path: '/' },
  target: 'http://127.0.0.1:1/',
  timeoutMs: 5000,
  leaseTimeoutMs: 2000,
  progressIntervalMs: 1000,
};

function rejects(fn: () => unknown, reason: ProtocolError['reason'], pattern?: RegExp) {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof ProtocolError && e.reason === reason && (!pattern || pattern.test(e.message)),
  );
}

test('a valid shard round-trips through encode and decode', () => {
  assert.deepEqual(decodeShardAssign(encode(shard)), shard);
});

test('malformed, oversized, wrong-kind, wrong-version and invalid messages are rejected with a reason', () => {
  rejects(() => decodeShardAssign(bytes('{not json')), 'malformed');
  rejects(() => decodeShardAssign(new Uint8Array([0xff, 0xfe, 0x7b])), 'malformed');
  rejects(() => decodeShardAssign(new Uint8Array(300 * 1024)), 'oversized', /exceeds the limit/);
  rejects(() => decodeShardAssign(bytes({ ...shard, kind: 'run.lease' })), 'wrong_kind');
  rejects(() => decodeShardAssign(bytes([1, 2])), 'wrong_kind');
  rejects(
    () => decodeShardAssign(bytes({ ...shard, protocol: PROTOCOL_VERSION + 1 })),
    'version',
    new RegExp(`version ${PROTOCOL_VERSION + 1} does not match ours \\(${PROTOCOL_VERSION}\\)`),
  );
  rejects(
    () => decodeShardAssign(bytes({ ...shard, load: { ...shard.load, connections: -1 } })),
    'invalid',
    /load\.connections/,
  );
  rejects(() => decodeShardAssign(bytes({ ...shard, extra: true })), 'invalid', /unknown field/);
  rejects(() => decodeShardAssign(bytes({ ...shard, scenario: '../../etc/passwd' })), 'invalid', /scenario/);
  rejects(() => decodeShardAssign(bytes({ ...shard, runId: 'a.b' })), 'invalid', /runId/);
  rejects(
    () =>
      decodeLease(
        bytes({ kind: 'run.lease', protocol: PROTOCOL_VERSION, runId: 'r', seq: Number.NaN, at: 1 }),
      ),
    'invalid',
  );
  rejects(() => decodeResult(bytes({ kind: 'shard.result', protocol: PROTOCOL_VERSION })), 'invalid');
});

test('encode refuses a message its own decoder would reject as oversized', () => {
  assert.throws(
    () =>
      encode({
        ...shard,
        params: {
          big: 'x'.repeat(60_000),
          more: 'y'.repeat(60_000),
          evenMore: 'z'.repeat(60_000),
          last: 'w'.repeat(60_000),
          end: 'v'.repeat(60_000),
        },
      }),
    ProtocolError,
  );
});

test('rejected messages are counted by reason and only the first few are logged', () => {
  const lines: string[] = [];
  const rejected = new RejectedMessages((l) => lines.push(l), 3);
  for (let i = 0; i < 10; i++) {
    try {
      decodeShardAssign(bytes('garbage'));
    } catch (e) {
      rejected.record('subject', e);
    }
  }
  rejected.record('subject', new Error('other'));
  assert.equal(rejected.total(), 11);
  assert.equal(rejected.counts.get('malformed'), 10);
  assert.equal(lines.length, 4);
});
