/**
 * How a case restarts the target for real: through the target's supervisor
 * (`POST /admin/restart-process`, parameter `restart: "process"`), or through a hook of the user's
 * (`restart: {url}`: the coordinator turns a configured command into such a URL on its own host).
 * The hook is told what the round asks, `{how: "exit"|"kill", corruptState?}`; one that cannot damage
 * the service's state restarts it cleanly, and the case then only judges that it came back.
 */
import type { ScenarioContext } from '../../../shared/model/scenario.js';
import { ScenarioParamError } from '../../../shared/model/params.js';
import { isRecord } from './json.js';
import { SideService, sideUrl } from './sideService.js';
import { adminCall } from './target.js';

export interface RestartAsk {
  how: 'exit' | 'kill';
  corruptState?: 'truncate' | 'garbage';
}

export interface RestartHook {
  describe: string;
  restart(ask: RestartAsk): Promise<void>;
  close(): Promise<void>;
}

const EXPECTED = '"process" or {"url": "http://..."} (a "command" hook is run by the coordinator)';

export function restartHookOf(ctx: ScenarioContext): RestartHook {
  const raw = ctx.params.restart;
  if (raw === undefined)
    ctx.skip(
      'not applicable: no way to restart the target (run it supervised, or give limits.system_recovery a "restart" hook: see target/README.md#supervisor)',
    );
  if (raw === 'process')
    return {
      describe: 'POST /admin/restart-process',
      restart: async (ask) => void (await adminCall(ctx, '/admin/restart-process', ask)),
      close: async () => undefined,
    };
  if (!isRecord(raw) || typeof raw.url !== 'string' || Object.keys(raw).length !== 1)
    throw new ScenarioParamError('restart', EXPECTED, raw);
  const url = sideUrl(raw.url, 'restart.url', ctx.target);
  const hook = new SideService(ctx, url, 'restart hook');
  return {
    describe: `POST ${url.origin}${url.pathname}`,
    restart: async (ask) => void (await hook.call('POST', url.href, ask)),
    close: () => hook.close(),
  };
}
