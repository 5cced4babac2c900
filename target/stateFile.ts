/**
 * The persisted state file: an envelope with a format tag and a checksum around the payload, so a
 * truncated, garbled or hand-edited file is detected at load, set aside, and never half-trusted.
 * Writes go to a temporary file renamed over the old one, so a crash mid-write leaves the old state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { z } from 'zod';

const FORMAT = 'stampede-target-state/1';
/** Above the largest real state (100,000 sessions with full histories, about 220 MB) and below
 * V8's string limit; a bigger file is not one we wrote. */
const MAX_STATE_BYTES = 256 * 1024 * 1024;

const envelopeSchema = z
  .object({ format: z.literal(FORMAT), savedAt: z.number(), checksum: z.string(), payload: z.unknown() })
  .strict();

export type StateLoad<T> =
  | { status: 'missing' }
  | { status: 'loaded'; payload: T }
  | { status: 'corrupt'; reason: string; setAside: string };

export async function loadStateFile<S extends z.ZodTypeAny>(
  file: string,
  schema: S,
): Promise<StateLoad<z.infer<S>>> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw error;
  }
  const problem =
    size > MAX_STATE_BYTES
      ? `larger than ${MAX_STATE_BYTES} bytes`
      : findProblem(await readFile(file, 'utf8'), schema);
  if (typeof problem !== 'string') return { status: 'loaded', payload: problem.payload };
  const setAside = `${file}.corrupt-${Date.now()}`;
  await rename(file, setAside);
  return { status: 'corrupt', reason: problem, setAside };
}

/** The reason the file cannot be trusted, or its payload. */
function findProblem<S extends z.ZodTypeAny>(raw: string, schema: S): string | { payload: z.infer<S> } {
  if (raw.length === 0) return 'file is empty';
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return `not a ${FORMAT} file`;
  if (checksumOf(envelope.data.payload) !== envelope.data.checksum) return 'checksum mismatch';
  const payload = schema.safeParse(envelope.data.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    return `payload invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`;
  }
  return { payload: payload.data };
}

export async function writeStateFile(file: string, payload: unknown): Promise<number> {
  const text = JSON.stringify({
    format: FORMAT,
    savedAt: Date.now(),
    checksum: checksumOf(payload),
    payload,
  });
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, file);
  return Buffer.byteLength(text);
}

export type Corruption = 'truncate' | 'garbage';

/** Damages the file on disk the way crashes and bad disks do (for the recovery test cases). */
export async function corruptStateFile(file: string, corruption: Corruption): Promise<void> {
  if (corruption === 'garbage') {
    await writeFile(file, randomBytes(512));
    return;
  }
  const size = await stat(file).then(
    (info) => info.size,
    () => 0,
  );
  if (size === 0) await writeFile(file, '');
  else await truncate(file, Math.floor(size / 2));
}

function checksumOf(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}
