/**
 * edges.unicode_and_binary: unicode prompts (emoji, RTL, bidi controls, combining marks, control
 * characters, NUL, astral plane, lone surrogates), text and binary files, and binary and
 * unicode-named files written and read back through the tool registry. Each answer is compared with
 * what was sent; a difference is counted as corruption. A body of raw non-UTF-8 bytes must be
 * refused with a 4xx (accepting it counts as corruption).
 */
import type { Dispatcher } from 'undici';
import type { OpOutcome, Scenario } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import { attemptInput } from '../support/inputs.js';
import { sha256Hex } from '../support/payloads.js';
import { recordAliveAfter } from '../support/target.js';
import { prepare, send, withClient, type Answer } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';
import { BINARY_BYTES, INVALID_UTF8_BODY, UNICODE_FILE_TEXT, UNICODE_PROMPTS } from '../data/unicodeKinds.js';

type Check = (client: TargetClient, slot: number) => Promise<{ answer: Answer; intact: boolean }>;

/** A request answered 200 whose JSON body passes `intact`. */
function expectJson(
  options: Dispatcher.RequestOptions,
  intact: (body: Record<string, unknown>) => boolean,
): Check {
  return async (client) => {
    const answer = await send(client, options);
    const body = jsonOf(answer.text);
    return { answer, intact: answer.status === 200 && isRecord(body) && intact(body) };
  };
}

function fileDigestMatches(body: Record<string, unknown>, bytes: number, sha256: string): boolean {
  const file = Array.isArray(body.files) && isRecord(body.files[0]) ? body.files[0] : undefined;
  return file?.bytes === bytes && file?.sha256 === sha256;
}

/** Writes a file through the tool registry, reads it back, and compares; one file per lane. */
function toolRoundTrip(
  client: TargetClient,
  lanes: number,
  dir: string,
  name: string,
  content: string,
  encoding: 'utf8' | 'base64',
): Check {
  const requests = Array.from({ length: lanes }, (_, slot) => {
    const path = `${dir}/${slot}-${name}`;
    return {
      write: prepare(client, {
        path: '/tools/execute',
        json: { tool: 'write_file', args: { path, content, encoding } },
      }),
      read: prepare(client, {
        path: '/tools/execute',
        json: { tool: 'read_file', args: { path, encoding } },
      }),
    };
  });
  return async (_, slot) => {
    const written = await send(client, requests[slot].write);
    if (written.status !== 200) return { answer: written, intact: false };
    const answer = await send(client, requests[slot].read, slot);
    const body = jsonOf(answer.text);
    const result = isRecord(body) && isRecord(body.result) ? body.result : undefined;
    return { answer, intact: answer.status === 200 && result?.content === content };
  };
}

function checksFor(client: TargetClient, lanes: number, dir: string): [string, Check][] {
  const prompts = Object.entries(UNICODE_PROMPTS).map(([name, prompt]): [string, Check] => [
    `prompt_${name}`,
    expectJson(
      prepare(client, { path: '/process', json: { prompt } }),
      (body) => typeof body.answer === 'string' && body.answer.includes(`"${prompt}"`),
    ),
  ]);
  const textBytes = Buffer.byteLength(UNICODE_FILE_TEXT);
  const invalidUtf8 = prepare(client, {
    path: '/process',
    body: INVALID_UTF8_BODY,
    contentType: 'application/json',
  });
  const binaryBase64 = BINARY_BYTES.toString('base64');
  return [
    ...prompts,
    [
      'unicode_text_file',
      expectJson(
        prepare(client, {
          path: '/process',
          json: { prompt: 'unicode file', files: [{ name: 'ünïcödé-文件.txt', content: UNICODE_FILE_TEXT }] },
        }),
        (body) => fileDigestMatches(body, textBytes, sha256Hex(UNICODE_FILE_TEXT)),
      ),
    ],
    [
      'binary_file',
      expectJson(
        prepare(client, {
          path: '/process',
          json: {
            prompt: 'binary file',
            files: [{ name: 'blob.bin', content: binaryBase64, encoding: 'base64' }],
          },
        }),
        (body) => fileDigestMatches(body, BINARY_BYTES.length, sha256Hex(BINARY_BYTES)),
      ),
    ],
    ['binary_tool_round_trip', toolRoundTrip(client, lanes, dir, 'blob.bin', binaryBase64, 'base64')],
    [
      'unicode_path_round_trip',
      toolRoundTrip(client, lanes, `${dir}/ünï`, '文件-📄.txt', UNICODE_FILE_TEXT, 'utf8'),
    ],
    [
      'invalid_utf8_body',
      async () => {
        const answer = await send(client, invalidUtf8);
        return { answer, intact: answer.status >= 400 && answer.status < 500 };
      },
    ],
  ];
}

export const unicodeBinaryScenario: Scenario = async (ctx) => {
  for (const name of ['corrupted', 'refused', 'unhandled']) ctx.count(name, 0);
  const dir = `stampede-unicode/${ctx.shard.runId}-${ctx.shard.index}`;
  await withClient(ctx, async (client) => {
    const checks = checksFor(client, ctx.load.connections, dir);
    await ctx.runLoad(async (index, slot): Promise<OpOutcome> => {
      const [name, check] = checks[index % checks.length];
      const { answer, intact } = await attemptInput(ctx, name, () => check(client, slot));
      if (!intact) {
        // A 2xx that differs from what was sent is corruption; a refusal of valid input is not.
        const kind = answer.status < 300 ? 'corrupted' : answer.status < 500 ? 'refused' : 'unhandled';
        ctx.count(kind);
        ctx.error(`${kind} ${name}: HTTP ${answer.status}`);
      }
      return { status: answer.status, ok: intact, bytes: answer.bytes };
    });
  });
  await recordAliveAfter(ctx);
};
