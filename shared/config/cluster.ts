/**
 * The `cluster` section of the stress-test config: every timing the coordinator, the agents and
 * JetStream agree on to survive faults. The shipped values live in config/stress_test_config.json
 * (and the README's table); tests tune them down through a config file, never in code.
 */
import { z } from 'zod';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const reconnectSchema = z
  .object({
    /** Reconnect attempts before a client gives up for good; -1: never give up. */
    maxAttempts: z.number().int().min(-1).max(1_000_000),
    /** Pause between reconnect attempts to the same server. */
    waitMs: ms(100, 60_000),
    /** Client ping period; a server that misses `maxPingOut` pings in a row is declared gone. */
    pingIntervalMs: ms(250, 120_000),
    maxPingOut: z.number().int().min(1).max(100),
  })
  .strict();

const fields = z
  .object({
    /** JetStream ack wait of a shard delivery; agents send in-progress acks well inside it. */
    ackWaitMs: ms(1000, 600_000),
    /** Deliveries of one shard before it is reported lost. */
    maxDeliver: z.number().int().min(1).max(20),
    /** How long `run` waits for the agents it needs. */
    agentWaitMs: ms(0, 600_000),
    /** Agents announce themselves (heartbeat) this often. */
    heartbeatMs: ms(100, 60_000),
    /** An agent not heard from for this long is marked missing. */
    missingAfterMs: ms(300, 600_000),
    /** The coordinator publishes the run's lease this often. */
    leasePeriodMs: ms(100, 30_000),
    /** An agent that has heard no lease for this long pauses its load at the next operation. */
    leaseTimeoutMs: ms(500, 60_000),
    /** A paused shard resumes in the same attempt when a fresh lease comes within this time. */
    pauseGraceMs: ms(0, 3_600_000),
    /** A shard whose pause outlasted the grace ends `aborted`: rerun it, or report its partial figures. */
    afterGrace: z.enum(['rerun', 'report']),
    /** Agents send in-progress acks this often, keeping a running delivery inside the ack wait. */
    inProgressMs: ms(100, 300_000),
    /** One ready request waits this long for an answer; it is retried while the lease is fresh. */
    readyTimeoutMs: ms(200, 60_000),
    progressIntervalMs: ms(100, 60_000),
    reconnect: reconnectSchema,
  })
  .strict();

type Fields = z.infer<typeof fields>;

/** The relations between the timings; each broken one is an issue on the field that must change. */
function checkRelations(s: Fields, ctx: z.RefinementCtx): void {
  const rule = (ok: boolean, path: keyof Fields, message: string) => {
    if (!ok) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
  };
  rule(
    s.leaseTimeoutMs >= 2 * s.leasePeriodMs,
    'leaseTimeoutMs',
    `at least twice leasePeriodMs (${s.leasePeriodMs}), so one lost lease does not pause the load`,
  );
  rule(
    s.missingAfterMs >= 2 * s.heartbeatMs,
    'missingAfterMs',
    `at least twice heartbeatMs (${s.heartbeatMs}), so one late heartbeat does not mark an agent missing`,
  );
  rule(
    s.inProgressMs * 2 <= s.ackWaitMs,
    'inProgressMs',
    `at most half of ackWaitMs (${s.ackWaitMs}), so a running delivery is never redelivered`,
  );
  rule(
    s.ackWaitMs > s.missingAfterMs,
    'ackWaitMs',
    `more than missingAfterMs (${s.missingAfterMs}): a redelivered shard must find its first agent already missing`,
  );
}

export const clusterSettingsSchema = fields.superRefine(checkRelations);
/** What a config file may give: any subset, `reconnect` in part too. */
export const clusterOverrideSchema = fields.extend({ reconnect: reconnectSchema.partial() }).partial();

export type ClusterSettings = z.infer<typeof clusterSettingsSchema>;
export type ReconnectPolicy = z.infer<typeof reconnectSchema>;
export type ClusterOverride = z.infer<typeof clusterOverrideSchema>;

/** Layers an override onto what is known so far (`reconnect` field by field). */
export function layerCluster(base: ClusterOverride, over: ClusterOverride | undefined): ClusterOverride {
  if (!over) return base;
  return { ...base, ...over, reconnect: { ...base.reconnect, ...over.reconnect } };
}
