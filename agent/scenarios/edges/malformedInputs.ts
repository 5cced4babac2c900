/**
 * edges.malformed_input_stress: cycles through the malformed kinds. Graceful = a 4xx answer; a 2xx
 * means the input was accepted (counted, not graceful); a 5xx, a dropped connection or no answer is
 * unhandled. Unhandled kinds are recorded as errors by name, so the report says which ones. A
 * target that reports its process (GET /admin/stats) also tells how often it was restarted meanwhile:
 * a supervised target that crashed looks alive afterwards, but its start count went up.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { attemptInput } from '../support/inputs.js';
import { choiceListParam } from '../../../shared/model/params.js';
import { rawExchange, rawTargetOf } from '../../http/rawSocket.js';
import { recordAliveAfter } from '../support/target.js';
import { recordRestartsSince, targetProcess } from '../support/targetProcess.js';
import { requestTimeoutOf } from '../../http/options.js';
import { prepare, send, withClient } from '../../http/targetClient.js';
import { MALFORMED_KIND_NAMES, MALFORMED_KINDS } from '../data/malformedKinds.js';

export const malformedInputsScenario: Scenario = async (ctx) => {
  const kinds = choiceListParam(ctx.params, 'kinds', MALFORMED_KIND_NAMES);
  const timeoutMs = requestTimeoutOf(ctx.params);
  const raw = rawTargetOf(ctx);
  for (const name of ['graceful', 'accepted', 'unhandled']) ctx.count(name, 0);
  ctx.gauge('kinds', kinds.length);
  const process = await targetProcess(ctx);
  await withClient(ctx, async (client) => {
    const senders = kinds.map((name): [string, () => Promise<number>] => {
      const kind = MALFORMED_KINDS[name];
      if ('raw' in kind) {
        const bytes = kind.raw(raw.basePath, raw.userAgentLine);
        return [name, () => rawExchange(raw, bytes, timeoutMs)];
      }
      const options = prepare(client, kind.shape);
      return [name, () => send(client, options).then((a) => a.status)];
    });
    await ctx.runLoad(async (index) => {
      const [name, sendKind] = senders[index % senders.length];
      const status = await attemptInput(ctx, name, sendKind);
      const graceful = status >= 400 && status < 500;
      ctx.count(graceful ? 'graceful' : status < 400 ? 'accepted' : 'unhandled');
      if (!graceful) ctx.error(`${status < 400 ? 'accepted' : 'unhandled'} ${name}: HTTP ${status}`);
      return { status, ok: graceful };
    });
  });
  await recordAliveAfter(ctx);
  await recordRestartsSince(ctx, process);
};
