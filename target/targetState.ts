/**
 * The part of a target that the state file holds (config, provider modes, sessions), built fresh
 * from a loaded payload, or from the options when there is none.
 */
import { z } from 'zod';
import { ConfigStore, providerNameSchema, targetConfigSchema } from './config.js';
import { providerModeSchema } from './providerModes.js';
import { ProviderPool, type ProviderEnvironment } from './providers.js';
import { persistedSessionSchema, SessionStore, type SessionPolicy } from './sessions.js';

export const statePayloadSchema = z
  .object({
    config: targetConfigSchema,
    configVersion: z.number().int().min(1),
    providerModes: z.record(providerNameSchema, providerModeSchema),
    sessions: z.array(persistedSessionSchema),
  })
  .strict();
export type StatePayload = z.infer<typeof statePayloadSchema>;

export interface TargetState {
  readonly config: ConfigStore;
  readonly sessions: SessionStore;
  readonly providers: ProviderPool;
}

export interface StateEnvironment {
  initialConfig: z.infer<typeof targetConfigSchema>;
  sessionPolicy: Omit<SessionPolicy, 'maxSessions' | 'onChange'>;
  providers: Omit<ProviderEnvironment, 'chain' | 'onChange'>;
  /** Called on every change of this state; the caller ignores a state that has been replaced. */
  onChange(state: TargetState): void;
}

export function buildState(env: StateEnvironment, payload: StatePayload | undefined): TargetState {
  const onChange = (): void => env.onChange(state);
  const config = new ConfigStore(payload?.config ?? env.initialConfig, payload?.configVersion ?? 1, () => {
    state.sessions.enforceCap();
    onChange();
  });
  const sessions = new SessionStore(
    { ...env.sessionPolicy, maxSessions: () => config.maxSessions, onChange },
    payload?.sessions ?? [],
  );
  const providers = new ProviderPool(
    { ...env.providers, chain: () => config.chain, onChange },
    payload?.providerModes ?? {},
  );
  const state: TargetState = { config, sessions, providers };
  return state;
}

export function snapshotOf({ config, sessions, providers }: TargetState): StatePayload {
  return {
    config: config.current,
    configVersion: config.version,
    providerModes: providers.snapshotModes(),
    sessions: sessions.snapshot(),
  };
}
