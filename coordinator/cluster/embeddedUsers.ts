/**
 * Per-run NATS users of the embedded cluster: a random password for the coordinator and for
 * each local agent, which may then speak only under its own id. Passwords reach the children
 * through their environment (never argv, which any local user can read in `ps`), so a local
 * process that was not given one can neither read nor inject anything.
 */
import { randomBytes } from 'node:crypto';
import {
  COORDINATOR_PERMISSIONS,
  agentPermissions,
  authorizationConfig,
  type BusUser,
} from '../../shared/bus/permissions.js';
import { withoutBusVariables, type Credentials } from '../../shared/bus/security.js';

const COORDINATOR_USER = 'coordinator';

export interface EmbeddedUsers {
  /** The nats-server `authorization` block. */
  authorization: string;
  coordinator: Credentials;
  /** The environment for the local agent with this id: this process's, with only its own credentials. */
  agentEnv(agentId: string): NodeJS.ProcessEnv;
}

const password = () => randomBytes(24).toString('base64url');

export function embeddedUsers(agentIds: readonly string[]): EmbeddedUsers {
  const coordinatorPassword = password();
  const agents = new Map(agentIds.map((id) => [id, password()]));
  const users: BusUser[] = [
    { name: COORDINATOR_USER, password: coordinatorPassword, permissions: COORDINATOR_PERMISSIONS },
    ...[...agents].map(([id, pass]) => ({ name: id, password: pass, permissions: agentPermissions(id) })),
  ];
  return {
    authorization: authorizationConfig(users),
    coordinator: { user: COORDINATOR_USER, pass: coordinatorPassword },
    agentEnv(agentId) {
      const pass = agents.get(agentId);
      if (pass === undefined) throw new Error(`no embedded NATS user for agent ${agentId}`);
      return {
        ...withoutBusVariables(process.env),
        STAMPEDE_NATS_USER: agentId,
        STAMPEDE_NATS_PASSWORD: pass,
      };
    },
  };
}
