/**
 * What a test case needs of the service under test: routes of the target API, admin hooks, the
 * upstream fault proxy's control API, a way to restart it. The coordinator probes the target once
 * before a run (coordinator/probe) and marks a case whose needs are missing `skipped`, naming them,
 * instead of letting it fail for a reason that is not the service's behaviour. The probe's rules
 * live with the coordinator; this table is what both sides and the reports agree on.
 */

export const TARGET_CAPABILITIES = [
  'process',
  'sessions',
  'session-lookup',
  'session-corrupt',
  'providers',
  'provider-admin',
  'primary-switch',
  'config',
  'tools',
  'rss-metric',
  'memory-stats',
  'upstream',
  'restart',
] as const;
export type TargetCapability = (typeof TARGET_CAPABILITIES)[number];

export interface CapabilityInfo {
  /** What the target must offer, as a user reads it ("POST /process answering prompts in JSON"). */
  needs: string;
  /** Section of target/README.md that specifies it. */
  readme: string;
}

const README = 'target/README.md';

export const CAPABILITY_INFO: Readonly<Record<TargetCapability, CapabilityInfo>> = {
  process: { needs: 'route POST /process (prompts answered in JSON)', readme: `${README}#process` },
  sessions: { needs: 'route GET /sessions ({live, max} counts)', readme: `${README}#routes` },
  'session-lookup': {
    needs: 'routes GET and DELETE /sessions/:id (JSON answers)',
    readme: `${README}#routes`,
  },
  'session-corrupt': { needs: 'admin hook POST /admin/sessions/:id/corrupt', readme: `${README}#routes` },
  providers: { needs: 'route GET /providers ({chain: [names]})', readme: `${README}#providers` },
  'provider-admin': { needs: 'admin hook POST /admin/providers/:name', readme: `${README}#providers` },
  'primary-switch': { needs: 'admin hook POST /admin/primary', readme: `${README}#providers` },
  config: { needs: 'routes GET and POST /config ({version, config})', readme: `${README}#config` },
  tools: {
    needs: 'routes GET /tools (write_file, read_file, cpu_hash) and POST /tools/execute',
    readme: `${README}#tools`,
  },
  'rss-metric': {
    needs: 'GET /metrics with process_resident_memory_bytes',
    readme: `${README}#observability`,
  },
  'memory-stats': {
    needs: 'admin hook GET /admin/memory?gc=1 (heapUsedAfterGc, rss)',
    readme: `${README}#observability`,
  },
  upstream: {
    needs:
      'the upstream fault proxy between the service and its providers (--upstream CONTROL_URL, the service configured with the proxy URLs)',
    readme: `${README}#upstreams-and-the-upstream-fault-proxy`,
  },
  restart: {
    needs:
      'a real restart: a supervised target (POST /admin/restart-process, GET /admin/stats) or a "restart" hook in the config (command or url)',
    readme: `${README}#supervisor`,
  },
};

export function isTargetCapability(name: string): name is TargetCapability {
  return (TARGET_CAPABILITIES as readonly string[]).includes(name);
}
