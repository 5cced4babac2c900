/**
 * limits.tool_registry_overload: many concurrent tool calls, each checked for a correct result:
 * a file written and read back by its lane, a CPU-bound hash compared with one computed here, and
 * appends of numbered records to one file shared by all lanes of the shard. The file is read back
 * and checked by content: every line must be one record exactly as sent (a torn, interleaved write
 * makes lines that are not), and every acknowledged record must be there once (a lost write is not).
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
const RECORD_CHARS = 47;
const HASH_INPUTS = 8;

/** The append record number `n` of shard `shard`: one fixed-length line, unique in the file. */
function appendRecord(shard: number, n: number): string {
  return `${`stampede append s${shard} n${n} `.padEnd(RECORD_CHARS, '.')}\n`;
}

/** Counts torn lines (not a record as sent), lost and duplicated acknowledged records. */
function checkAppends(ctx: ScenarioContext, content: string, acked: ReadonlySet<string>): void {
  const seen = new Map<string, number>();
  let torn = 0;
  for (const line of content.split('\n').slice(0, -1)) {
    const record = `${line}\n`;
    if (record.length !== RECORD_CHARS + 1 || !/^stampede append s\d+ n\d+ \.*$/.test(line)) torn += 1;
    else seen.set(record, (seen.get(record) ?? 0) + 1);
  }
  if (!content.endsWith('\n') && content.length > 0) torn += 1;
  let lost = 0;
  let duplicated = 0;
  for (const record of acked) {
    const times = seen.get(record) ?? 0;
    if (times === 0) lost += 1;
    if (times > 1) duplicated += times - 1;
  }
  ctx.count('appends', acked.size);
  ctx.count('tornAppends', torn);
  ctx.count('lostAppends', lost);
  ctx.count('duplicatedAppends', duplicated);
  if (torn > 0) ctx.error(`${torn} line(s) of the shared file are not a record as appended`);
}

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
  for (const name of ['mismatches', 'appends', 'lostAppends', 'tornAppends', 'duplicatedAppends'])
    ctx.count(name, 0);
  const dir = `stampede-tools/${ctx.shard.runId}-${ctx.shard.index}`;
  const shared = `${dir}/shared.log`;
  const acked = new Set<string>();
  let nextRecord = 0;
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
        const content = appendRecord(ctx.shard.index, nextRecord++);
        const answer = await send(
          client,
          tool(client, 'write_file', { path: shared, content, mode: 'append' }),
        );
        const correct = resultOf(answer)?.bytesWritten === content.length;
        if (correct) acked.add(content);
        return { answer, correct };
      },
    ];
    await ctx.runLoad(async (index, slot) => {
      const { answer, correct } = await operations[index % operations.length](index, slot);
      if (!correct && answer.status < 500) ctx.count('mismatches');
      return { status: answer.status, ok: correct, bytes: answer.bytes };
    });
    if (acked.size > 0) {
      const answer = await send(client, tool(client, 'read_file', { path: shared }));
      const content = resultOf(answer)?.content;
      checkAppends(ctx, typeof content === 'string' ? content : '', acked);
    }
  });
};
