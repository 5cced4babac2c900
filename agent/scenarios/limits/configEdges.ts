/**
 * limits.config_edge_cases: malformed config documents posted to the target's config endpoint. A
 * document is handled when it is refused with a 4xx and the config in force afterwards is the one
 * before it (same version, same content). An accepted document is counted, and the original
 * config is put back at the end so later cases see the target as it was. A target that answers
 * every document 404 or 405 has no config endpoint: the case is skipped.
 */
import type { Dispatcher } from 'undici';
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { attemptInput } from '../support/inputs.js';
import { pathParam } from '../../../shared/model/params.js';
import { adminCall, MISSING_ROUTE, readJson, recordAliveAfter } from '../support/target.js';
import { prepare, send, withClient } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';
import { malformedConfigs } from '../data/configDocuments.js';

interface ConfigState {
  version: unknown;
  config: Record<string, unknown>;
  /** The config serialised, to compare with what is in force later. */
  text: string;
}

async function configState(ctx: ScenarioContext, path: string): Promise<ConfigState> {
  const doc = await readJson(ctx, path);
  if (!isRecord(doc.config))
    throw new Error(
      `GET ${path}: expected the config in force under "config", got ${JSON.stringify(doc).slice(0, 200)}`,
    );
  return { version: doc.version, text: JSON.stringify(doc.config), config: doc.config };
}

export const configEdgesScenario: Scenario = async (ctx) => {
  const path = pathParam(ctx.params, 'configPath', '/config');
  const original = await configState(ctx, path);
  for (const name of ['rejected', 'configAccepted', 'configChanged', 'unhandled']) ctx.count(name, 0);
  let accepted = false;
  let answered = 0;
  let missingRoute = 0;
  try {
    await withClient(ctx, async (client) => {
      const documents = Object.entries(malformedConfigs(original.config)).map(
        ([name, doc]): [string, Dispatcher.RequestOptions] => [
          name,
          prepare(
            client,
            'json' in doc
              ? { path, json: doc.json }
              : { path, method: 'POST', body: doc.text, contentType: 'application/json' },
          ),
        ],
      );
      const readBack = prepare(client, { path });
      await ctx.runLoad(async (index, slot) => {
        const [name, request] = documents[index % documents.length];
        const { status, after } = await attemptInput(ctx, name, async () => ({
          status: (await send(client, request)).status,
          after: jsonOf((await send(client, readBack, slot)).text),
        }));
        if (MISSING_ROUTE.has(status)) {
          missingRoute += 1;
          return { status, ok: false };
        }
        answered += 1;
        const rejected = status >= 400 && status < 500;
        const kept =
          isRecord(after) &&
          after.version === original.version &&
          JSON.stringify(after.config) === original.text;
        if (status < 300) accepted = true;
        ctx.count(rejected ? 'rejected' : status < 300 ? 'configAccepted' : 'unhandled');
        if (!kept) ctx.count('configChanged');
        if (!rejected || !kept) ctx.error(`${name}: HTTP ${status}${kept ? '' : ', config changed'}`);
        return { status, ok: rejected && kept };
      });
    });
  } finally {
    if (accepted) await adminCall(ctx, path, original.config);
  }
  if (missingRoute > 0 && answered === 0)
    ctx.skip(`target has no route POST ${path} (every document answered 404 or 405)`);
  await recordAliveAfter(ctx);
};
