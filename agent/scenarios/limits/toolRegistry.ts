/**
 * limits.tool_registry_overload: many concurrent tool calls, each checked for a correct result:
 * a file written and read back by its lane, a CPU-bound hash compared with one computed here, and
 * fixed-size appends to one file shared by all lanes of the shard, whose final size must account
 * for every acknowledged append (a lost or torn write shows as a shortfall).
 */
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import { intParam } from '../../../shared/model/params.js';
import { readJson } from '../support/target.js';
import { prepare, send, withClient, type Answer } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

const NEEDED_TOOLS = ['write_file', 'read_file', 'cpu_hash'];
const APPEND_RECORD = `${'stampede append record '.padEnd(39, '.')}\n`;
const HASH_INPUTS = 8;

function resultOf(answer: Answer): Record<string, unknown> | undefined {
  const body = jsonOf(answer.text);
  return answer.status === 200 && isRecord(body) && isRecord(body.result) ? body.result : undefined;
}

function iteratedSha256(input: string, iterations: number): string {
  let digest: Buffer = Buffer.from(input, 'utf8');
  for (let i = 0; i < iterations; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

async function requireTools(ctx: ScenarioContext): Promise<void> {
  const { tools } = await readJson(ctx, '/tools');
  const names = Array.isArray(tools)
    ? tools.flatMap((t) => (isRecord(t) && typeof t.name === 'string' ? [t.name] : []))
    : [];
  const missing = NEEDED_TOOLS.filter((t) => !names.includes(t));
  if (missing.length > 0)
    ctx.skip(`target has no tool ${missing.join(', ')} (GET /tools lists ${names.join(', ') || 'none'})`);
}

const tool = (client: TargetClient, name: string, args: unknown): Dispatcher.RequestOptions =>
  prepare(client, { path: '/tools/execute', json: { tool: name, args } });

export const toolRegistryScenario: Scenario = async (ctx) => {
  const iterations = intParam(ctx.params, 'hashIterations', 2000, { min: 1, max: 200_000 });
  await requireTools(ctx);
  for (const name of ['mismatches', 'appends', 'lostAppends']) ctx.count(name, 0);
  const dir = `stampede-tools/${ctx.shard.runId}-${ctx.shard.index}`;
  const shared = `${dir}/shared.log`;
  let appends = 0;
  await withClient(ctx, async (client) => {
    const lanes = Array.from({ length: ctx.load.connections }, (_, slot) => {
      const path = `${dir}/lane-${slot}.txt`;
      const content = `lane ${slot} of shard ${ctx.shard.index}: ${'ü✓'.repeat(slot % 16)}`;
      return {
        content,
        write: tool(client, 'write_file', { path, content }),
        read: tool(client, 'read_file', { path }),
      };
    });
    const hashes = Array.from({ length: HASH_INPUTS }, (_, i) => {
      const input = `stampede-${i}`;
      return {
        digest: iteratedSha256(input, iterations),
        request: tool(client, 'cpu_hash', { iterations, input }),
      };
    });
    const append = tool(client, 'write_file', { path: shared, content: APPEND_RECORD, mode: 'append' });
    const operations: ((index: number, slot: number) => Promise<{ answer: Answer; correct: boolean }>)[] = [
      async (_, slot) => {
        const lane = lanes[slot];
        const written = await send(client, lane.write);
        if (written.status !== 200) return { answer: written, correct: false };
        const answer = await send(client, lane.read, slot);
        return { answer, correct: resultOf(answer)?.content === lane.content };
      },
      async (index) => {
        const hash = hashes[index % hashes.length];
        const answer = await send(client, hash.request);
        return { answer, correct: resultOf(answer)?.digest === hash.digest };
      },
      async () => {
        const answer = await send(client, append);
        const correct = resultOf(answer)?.bytesWritten === APPEND_RECORD.length;
        if (correct) appends += 1;
        return { answer, correct };
      },
    ];
    await ctx.runLoad(async (index, slot) => {
      const { answer, correct } = await operations[index % operations.length](index, slot);
      if (!correct && answer.status < 500) ctx.count('mismatches');
      return { status: answer.status, ok: correct, bytes: answer.bytes };
    });
    if (appends > 0) {
      const answer = await send(client, tool(client, 'read_file', { path: shared }));
      const content = resultOf(answer)?.content;
      const records = typeof content === 'string' ? Math.floor(content.length / APPEND_RECORD.length) : 0;
      ctx.count('appends', appends);
      ctx.count('lostAppends', Math.max(0, appends - records));
    }
  });
};
