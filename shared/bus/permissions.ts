/**
 * Who may publish and subscribe to what, as nats-server `authorization` users: the coordinator,
 * and one user per agent that may speak only under its own id. nats-server 2.9 has no
 * per-user subject templates, so every agent gets its own static list. The coordinator takes an
 * agent's identity from the subject, which this list makes unforgeable.
 */
import { AGENTS_BUCKET, STREAMS, SUBJECTS, consumerName } from '../protocol/index.js';

export interface Permissions {
  publish: string[];
  subscribe: string[];
}

/** An agent's request replies (and JetStream acks) arrive under this prefix, and only it may read them. */
export const agentInboxPrefix = (agentId: string) => `_INBOX.${agentId}`;

const KV_STREAM = `KV_${AGENTS_BUCKET}`;

export function agentPermissions(agentId: string): Permissions {
  const work = consumerName(agentId);
  return {
    publish: [
      // Read-only look-ups of the topology the coordinator lays out.
      '$JS.API.INFO',
      ...[STREAMS.work, STREAMS.runs, KV_STREAM].map((s) => `$JS.API.STREAM.INFO.${s}`),
      `$JS.API.CONSUMER.INFO.${STREAMS.work}.${work}`,
      // Create its own work consumer, on its own filter only: the create subject names both.
      `$JS.API.CONSUMER.CREATE.${STREAMS.work}.${work}.${SUBJECTS.workOf(agentId)}`,
      // Pull the shards placed on it, and settle their deliveries.
      `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.work}.${work}`,
      `$JS.ACK.${STREAMS.work}.${work}.>`,
      // Speak only under its own id: announce and heartbeat, results, progress.
      `$KV.${AGENTS_BUCKET}.${agentId}`,
      SUBJECTS.result('*', '*', agentId),
      SUBJECTS.progress('*', '*', agentId),
      // Requests to the coordinator.
      SUBJECTS.ready('*', agentId),
      SUBJECTS.clock('*'),
    ],
    subscribe: [`${agentInboxPrefix(agentId)}.>`, SUBJECTS.lease('*'), SUBJECTS.abort('*')],
  };
}

export const COORDINATOR_PERMISSIONS: Permissions = {
  publish: [
    'stampede.>',
    '$JS.API.>',
    // Acknowledging the results it has read from the runs stream.
    `$JS.ACK.${STREAMS.runs}.>`,
    `$KV.${AGENTS_BUCKET}.>`,
    // Replies to agents' requests (ready, clock).
    '_INBOX.>',
  ],
  subscribe: [
    '_INBOX.>',
    'stampede.>',
    '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>',
    `$KV.${AGENTS_BUCKET}.>`,
  ],
};

/** One user of the generated config: a password (kept out of argv) or an nkey's public key. */
export type BusUser = { name: string; permissions: Permissions } & ({ password: string } | { nkey: string });

const quote = (s: string) => JSON.stringify(s);

function renderUser(user: BusUser): string {
  const who =
    'nkey' in user
      ? `nkey: ${quote(user.nkey)}`
      : `user: ${quote(user.name)}, password: ${quote(user.password)}`;
  const list = (subjects: string[]) => `[${subjects.map(quote).join(', ')}]`;
  return [
    `    # ${user.name}`,
    `    { ${who}, permissions: {`,
    `        publish: { allow: ${list(user.permissions.publish)} }`,
    `        subscribe: { allow: ${list(user.permissions.subscribe)} } } }`,
  ].join('\n');
}

/** A nats-server `authorization` block for these users; anything not allowed is refused. */
export function authorizationConfig(users: readonly BusUser[]): string {
  return ['authorization {', '  users = [', ...users.map(renderUser), '  ]', '}', ''].join('\n');
}
