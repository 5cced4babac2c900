/** POST /process: a prompt answered through the provider chain, within a session. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { contentEncodingSchema, decodeContent } from '../content.js';
import { mangleUnicode } from '../faultSwitches.js';
import { HttpError } from '../httpErrors.js';
import { ok, type Route } from '../router.js';
import { sessionIdSchema } from '../sessions.js';

const MAX_FILES = 32;
const MAX_PROMPT_CHARS = 100_000;

const processRequestSchema = z
  .object({
    prompt: z.string().min(1).max(MAX_PROMPT_CHARS),
    sessionId: sessionIdSchema.optional(),
    files: z
      .array(
        z
          .object({
            name: z.string().min(1).max(255),
            content: z.string(),
            encoding: contentEncodingSchema.default('utf8'),
          })
          .strict(),
      )
      .max(MAX_FILES)
      .default([]),
  })
  .strict();
type AttachedFile = z.infer<typeof processRequestSchema>['files'][number];

interface FileSummary {
  name: string;
  bytes: number;
  sha256: string;
}

export const processRoutes: Route[] = [
  {
    method: 'POST',
    path: '/process',
    async handle({ body, runtime }) {
      const request = await body(processRequestSchema, { large: true });
      const files = summarizeFiles(request.files, runtime.options.maxBodyBytes);
      const { sessions, providers } = runtime.state;
      const use = sessions.use(request.sessionId);
      const result = await providers.serve(request.prompt);
      if (result.provider === null || result.answer === undefined) {
        const [code, message] = result.exhausted
          ? ['all_providers_failed', 'every provider in the chain failed']
          : ['provider_failed', 'the provider failed and the chain did not move on'];
        throw new HttpError(503, code, message, { sessionId: use.session.id, attempts: result.attempts });
      }
      sessions.recordTurn(use.session, request.prompt);
      const answer = runtime.faults.echoManglesUnicode ? mangleUnicode(result.answer) : result.answer;
      return ok({
        answer: answerText(result.provider, answer, files),
        provider: result.provider,
        sessionId: use.session.id,
        sessionCreated: use.created,
        sessionRecovered: use.recovered,
        turn: use.session.turns,
        attempts: result.attempts,
        files,
      });
    },
  },
];

/** Hashing every byte is the "large-file processing" the memory suite leans on. */
function summarizeFiles(files: readonly AttachedFile[], maxBytes: number): FileSummary[] {
  const decoded = files.map((file, index) => ({
    name: file.name,
    data: decodeContent(file.content, file.encoding, `files.${index}`),
  }));
  const total = decoded.reduce((sum, file) => sum + file.data.length, 0);
  if (total > maxBytes) {
    throw new HttpError(
      413,
      'files_too_large',
      `attached files total ${total} bytes, over the ${maxBytes} byte limit`,
      {
        limitBytes: maxBytes,
        bytes: total,
      },
    );
  }
  return decoded.map(({ name, data }) => ({
    name,
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  }));
}

/** The provider's answer (which echoes the prompt), tagged with who answered and what was attached. */
function answerText(provider: string, answer: string, files: readonly FileSummary[]): string {
  const attached =
    files.length > 0 ? ` with ${files.length} file(s), ${files.reduce((s, f) => s + f.bytes, 0)} bytes` : '';
  return `[${provider}] ${answer}${attached}`;
}
