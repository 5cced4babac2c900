/**
 * The tool registry: file tools confined to the sandbox and a CPU-bound hash. Calls on the same
 * file are serialized and overwrites land by rename, so concurrent calls neither lose writes nor
 * expose half-written files.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { contentEncodingSchema, decodeContent } from './content.js';
import { HttpError, notFound, validationError } from './httpErrors.js';
import { KeyedLock } from './keyedLock.js';
import { resolveInSandbox } from './sandbox.js';

export interface ToolInfo {
  name: string;
  description: string;
  /** Argument name -> what it takes. */
  args: Record<string, string>;
}

interface Tool extends ToolInfo {
  execute(args: unknown): Promise<unknown>;
}

const sandboxPath = z.string().min(1).max(1024);
const MAX_LISTED_ENTRIES = 1000;
export const MAX_HASH_ITERATIONS = 200_000;

export class ToolRegistry {
  private readonly locks = new KeyedLock();
  private readonly tools: ReadonlyMap<string, Tool>;
  private tempFiles = 0;

  constructor(
    private readonly root: string,
    private readonly maxFileBytes: number,
    /** The torn-tool-appends fault is on. */
    private readonly tornAppends: () => boolean = () => false,
  ) {
    const tools = [this.readFileTool(), this.writeFileTool(), this.listFilesTool(), cpuHashTool()];
    this.tools = new Map(tools.map((tool) => [tool.name, tool]));
  }

  list(): ToolInfo[] {
    return [...this.tools.values()].map(({ name, description, args }) => ({ name, description, args }));
  }

  async execute(name: string, args: unknown): Promise<unknown> {
    const tool = this.tools.get(name);
    if (!tool) throw notFound('unknown_tool', `no tool named "${name}"`);
    return tool.execute(args);
  }

  private readFileTool(): Tool {
    const schema = z.object({ path: sandboxPath, encoding: contentEncodingSchema.default('utf8') }).strict();
    return defineTool(
      {
        name: 'read_file',
        description: 'Read a file from the sandbox.',
        args: { path: 'relative path in the sandbox', encoding: '"utf8" (default) or "base64"' },
      },
      schema,
      async ({ path: requested, encoding }) => {
        const file = await resolveInSandbox(this.root, requested);
        return this.locks.run(file, async () => {
          const info = await stat(file).catch(fileError);
          if (!info.isFile()) throw notAFile(requested);
          if (info.size > this.maxFileBytes) {
            throw new HttpError(413, 'file_too_large', `file exceeds ${this.maxFileBytes} bytes`, {
              bytes: info.size,
            });
          }
          const data = await readFile(file).catch(fileError);
          return {
            path: this.relative(file),
            bytes: data.length,
            encoding,
            content: data.toString(encoding),
          };
        });
      },
    );
  }

  private writeFileTool(): Tool {
    const schema = z
      .object({
        path: sandboxPath,
        content: z.string(),
        encoding: contentEncodingSchema.default('utf8'),
        mode: z.enum(['overwrite', 'append']).default('overwrite'),
      })
      .strict();
    return defineTool(
      {
        name: 'write_file',
        description: 'Write or append to a file in the sandbox, creating parent directories.',
        args: {
          path: 'relative path in the sandbox',
          content: 'text, or base64 when encoding is base64',
          encoding: '"utf8" (default) or "base64"',
          mode: '"overwrite" (default, atomic) or "append"',
        },
      },
      schema,
      async ({ path: requested, content, encoding, mode }) => {
        const data = decodeContent(content, encoding, 'args.content');
        const file = await resolveInSandbox(this.root, requested);
        const torn = mode === 'append' && this.tornAppends();
        // The torn-appends fault skips the lock and writes in two pieces, so concurrent appends interleave.
        const guard = torn
          ? (work: () => Promise<unknown>) => work()
          : (work: () => Promise<unknown>) => this.locks.run(file, work);
        return guard(async () => {
          const existing = await stat(file).catch(() => undefined);
          if (existing && !existing.isFile()) throw notAFile(requested);
          const size = mode === 'append' ? (existing?.size ?? 0) + data.length : data.length;
          if (size > this.maxFileBytes) {
            throw new HttpError(413, 'file_too_large', `file would exceed ${this.maxFileBytes} bytes`, {
              bytes: size,
            });
          }
          await mkdir(path.dirname(file), { recursive: true }).catch(fileError);
          if (torn) await appendInPieces(file, data);
          else if (mode === 'append') await appendFile(file, data).catch(fileError);
          else await this.replaceAtomically(file, data);
          return { path: this.relative(file), bytesWritten: data.length, size };
        });
      },
    );
  }

  private listFilesTool(): Tool {
    const schema = z.object({ path: sandboxPath.default('.') }).strict();
    return defineTool(
      {
        name: 'list_files',
        description: `List a sandbox directory (first ${MAX_LISTED_ENTRIES} entries by name).`,
        args: { path: 'relative directory in the sandbox, default "."' },
      },
      schema,
      async ({ path: requested }) => {
        const dir = await resolveInSandbox(this.root, requested);
        const entries = await readdir(dir, { withFileTypes: true }).catch(fileError);
        const listed = entries
          .map((entry) => ({
            name: entry.name,
            type: entry.isFile() ? 'file' : entry.isDirectory() ? 'dir' : 'other',
          }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return {
          path: this.relative(dir),
          entries: listed.slice(0, MAX_LISTED_ENTRIES),
          truncated: listed.length > MAX_LISTED_ENTRIES,
        };
      },
    );
  }

  private async replaceAtomically(file: string, data: Buffer): Promise<void> {
    const temp = `${file}.tmp-${process.pid}-${++this.tempFiles}`;
    try {
      await writeFile(temp, data);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      fileError(error);
    }
  }

  private relative(file: string): string {
    return path.relative(this.root, file) || '.';
  }
}

/** Blocks the event loop on purpose: the CPU-bound tool stands for real work a tool would do. */
function cpuHashTool(): Tool {
  const schema = z
    .object({
      iterations: z.number().int().min(1).max(MAX_HASH_ITERATIONS),
      input: z.string().max(1024).default('stampede'),
    })
    .strict();
  return defineTool(
    {
      name: 'cpu_hash',
      description: 'Hash the input with SHA-256, feeding each digest back in, `iterations` times.',
      args: { iterations: `1..${MAX_HASH_ITERATIONS}`, input: 'up to 1024 characters, default "stampede"' },
    },
    schema,
    async ({ iterations, input }) => {
      let digest: Buffer = Buffer.from(input, 'utf8');
      for (let i = 0; i < iterations; i++) digest = createHash('sha256').update(digest).digest();
      return { iterations, digest: digest.toString('hex') };
    },
  );
}

function defineTool<S extends z.ZodTypeAny>(
  info: ToolInfo,
  schema: S,
  run: (args: z.infer<S>) => Promise<unknown>,
): Tool {
  return {
    ...info,
    execute: async (raw) => {
      const parsed = schema.safeParse(raw ?? {});
      if (!parsed.success) throw validationError(parsed.error, 'invalid_tool_args', 'args');
      return run(parsed.data);
    },
  };
}

async function appendInPieces(file: string, data: Buffer): Promise<void> {
  const half = Math.ceil(data.length / 2);
  await appendFile(file, data.subarray(0, half)).catch(fileError);
  await sleep(1);
  await appendFile(file, data.subarray(half)).catch(fileError);
}

function notAFile(requested: string): HttpError {
  return new HttpError(409, 'not_a_file', `"${requested}" is not a regular file`);
}

function fileError(error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw notFound('file_not_found', 'no such file or directory');
  if (code === 'EISDIR' || code === 'ENOTDIR')
    throw new HttpError(409, 'not_a_file', 'path is not what the tool needs (file vs directory)');
  throw error;
}
