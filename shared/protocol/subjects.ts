/** Subjects, stream and bucket names: where each message travels. */
export const STREAMS = {
  /** Work-queue stream of shards: the engine owns delivery and redelivery. */
  work: 'STAMPEDE_WORK',
  /** Everything a run leaves behind: its plan, progress snapshots and results, kept for resume. */
  runs: 'STAMPEDE_RUNS',
} as const;

export const AGENTS_BUCKET = 'stampede_agents';

export const SUBJECTS = {
  workAll: 'stampede.work.>',
  /**
   * One durable consumer per agent: a shard is published to the agent the plan placed it on, and
   * the agent-id token keeps the consumers' filters disjoint (a work-queue stream refuses overlap).
   */
  workOf: (agentId: string) => `stampede.work.agent.${agentId}.>`,
  shard: (agentId: string, runId: string, shardId: string) =>
    `stampede.work.agent.${agentId}.${runId}.${shardId}`,
  /** Every shard of a run, on whichever agent. */
  shardsOf: (runId: string) => `stampede.work.agent.*.${runId}.*`,
  runsAll: 'stampede.run.>',
  plan: (runId: string) => `stampede.run.${runId}.plan`,
  plansAll: 'stampede.run.*.plan',
  /** The coordinators' word on the run (running, or how it ended): the newest stands. */
  state: (runId: string) => `stampede.run.${runId}.state`,
  statesAll: 'stampede.run.*.state',
  /** Shards the coordinator settled, one subject each. */
  accepted: (runId: string, shardId: string) => `stampede.run.${runId}.accepted.${shardId}`,
  /** Everything stored of one run. */
  runAll: (runId: string) => `stampede.run.${runId}.>`,
  /** The agent id is the last token: the coordinator takes identity from the subject. */
  result: (runId: string, shardId: string, agentId: string) =>
    `stampede.run.${runId}.result.${shardId}.${agentId}`,
  resultsOf: (runId: string) => `stampede.run.${runId}.result.>`,
  progress: (runId: string, shardId: string, agentId: string) =>
    `stampede.run.${runId}.progress.${shardId}.${agentId}`,
  progressOf: (runId: string) => `stampede.run.${runId}.progress.>`,
  lease: (runId: string) => `stampede.ctl.${runId}.lease`,
  abort: (runId: string) => `stampede.ctl.${runId}.abort`,
  /** The agent id is the last token, as on results: the coordinator checks the payload against it. */
  ready: (runId: string, agentId: string) => `stampede.ctl.${runId}.ready.${agentId}`,
  readiesOf: (runId: string) => `stampede.ctl.${runId}.ready.*`,
  clock: (runId: string) => `stampede.ctl.${runId}.clock`,
  maxDeliveries: (stream: string) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`,
} as const;

export const consumerName = (agentId: string) => `work-agent-${agentId}`;
