/**
 * memory.large_file_processing: prompts with attached files of 1, 5 and 10 MB. An input counts as
 * handled when the target answers 200 and reports the file's size and SHA-256 as sent, so a
 * truncated or re-encoded upload is caught, not just a refusal.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { intListParam, pathParam } from '../../../shared/model/params.js';
import { sha256Hex, textOfSize } from '../support/payloads.js';
import { settleBoth } from '../support/schedule.js';
import { TargetMemory } from '../support/targetMemory.js';
import { prepare, send, withClient } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

const MiB = 1024 * 1024;

function reportedFile(text: string): Record<string, unknown> | undefined {
  const body = jsonOf(text);
  const files = isRecord(body) && Array.isArray(body.files) ? body.files : [];
  return isRecord(files[0]) ? files[0] : undefined;
}

export const largeFilesScenario: Scenario = async (ctx) => {
  const sizes = intListParam(ctx.params, 'sizesBytes', [MiB, 5 * MiB, 10 * MiB], { min: 1, max: 512 * MiB });
  const path = pathParam(ctx.params, 'path', '/process');
  const memory = await TargetMemory.open(ctx, false);
  for (const name of ['refusedInputs', 'corrupted']) ctx.count(name, 0);
  ctx.gauge('largestHandledBytes', 0);
  let largestHandled = 0;
  await withClient(ctx, async (client) => {
    const inputs = sizes.map((size) => {
      const content = textOfSize(size);
      const json = {
        prompt: `Summarise this ${size} byte file.`,
        files: [{ name: `input-${size}.txt`, content }],
      };
      return { size, sha256: sha256Hex(content), request: prepare(client, { path, json }) };
    });
    const load = ctx.runLoad(async (index) => {
      const input = inputs[index % inputs.length];
      const answer = await send(client, input.request);
      if (answer.status >= 400 && answer.status < 500) ctx.count('refusedInputs');
      if (answer.status !== 200) return { status: answer.status, ok: false, bytes: answer.bytes };
      const file = reportedFile(answer.text);
      const intact = file?.bytes === input.size && file?.sha256 === input.sha256;
      if (!intact) ctx.count('corrupted');
      else if (input.size > largestHandled) ctx.gauge('largestHandledBytes', (largestHandled = input.size));
      return { status: answer.status, ok: intact, bytes: answer.bytes };
    });
    await settleBoth(load, memory.trackPeak(load));
  });
  await memory.sample();
};
