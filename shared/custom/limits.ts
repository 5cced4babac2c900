/**
 * Size bounds of custom cases. A custom case travels inside every shard message and is interpreted
 * by agents, so each part of it is bounded where it enters (the config file) and again where it
 * arrives (the shard).
 */
export const CUSTOM_LIMITS = {
  suites: 20,
  casesPerSuite: 50,
  /** Steps of one flow, alternatives of weighted groups included. */
  steps: 20,
  alternatives: 8,
  checks: 20,
  checksPerStep: 8,
  captures: 16,
  capturesPerStep: 8,
  headers: 32,
  /** Characters of one template (a path, a header value, a message). */
  templateChars: 8192,
  /** Characters of a request body or a JSON body once serialised. */
  bodyChars: 64 * 1024,
  /** Characters of a custom case's parameters once serialised: they travel in every shard. */
  paramsChars: 128 * 1024,
  /** Expressions in one template. */
  expressions: 32,
  /** Characters between `{{` and `}}`. */
  expressionChars: 128,
  jsonPathChars: 256,
  jsonPathSegments: 32,
  /** Characters of a captured value, serialised. */
  capturedChars: 4096,
  /** Characters of an environment value substituted on the coordinator. */
  envValueChars: 4096,
  wsScript: 32,
  wsConnections: 10_000,
  wsQueuedMessages: 1000,
  wsMaxMessageBytes: 1024 * 1024,
  /** Bytes of the CA bundle a run sends to agents. */
  caBytes: 64 * 1024,
} as const;

/** A name of a step, check or expectation: it becomes part of metric names. */
export const METRIC_PART = /^[A-Za-z0-9_-]{1,40}$/;
export const METRIC_PART_TEXT = 'a name of 1-40 letters, digits, _ or -';
