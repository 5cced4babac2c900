/**
 * How agents reach an https:// target: the CA certificates to trust (PEM text carried in the shard,
 * never a path, so an agent on another host needs no file), whether to skip verification
 * (`--insecure`, recorded in the report), and whether to offer HTTP/2 (a case's `"http2": true`).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { CUSTOM_LIMITS } from './limits.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export const transportSchema = z
  .object({
    /** PEM certificates agents trust for the run, instead of the system CAs (like curl --cacert). */
    ca: z
      .string()
      .max(CUSTOM_LIMITS.caBytes)
      .regex(
        /^\s*-----BEGIN CERTIFICATE-----[\s\S]*-----END CERTIFICATE-----\s*$/,
        'expected PEM certificates',
      )
      .optional(),
    insecure: z.boolean().optional(),
    http2: z.boolean().optional(),
  })
  .strict();
export type TransportOptions = z.infer<typeof transportSchema>;

/** Reads `--ca FILE`: PEM certificates, each parsed, bounded in size. */
export function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--ca ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  if (Buffer.byteLength(text) > CUSTOM_LIMITS.caBytes)
    throw new UsageError(
      `--ca ${file}: larger than ${CUSTOM_LIMITS.caBytes} bytes (it travels inside every shard)`,
    );
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0)
    throw new UsageError(`--ca ${file}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new UsageError(`--ca ${file}: a certificate does not parse (${(error as Error).message})`);
    }
  }
  return blocks.join('\n');
}

/** Run-wide TLS settings laid over a case's own (its http2 choice is kept). */
export function withRunTls(
  own: TransportOptions | undefined,
  run: { ca?: string; insecure?: boolean },
): TransportOptions | undefined {
  const merged: TransportOptions = {
    ...own,
    ...(run.ca ? { ca: run.ca } : {}),
    ...(run.insecure ? { insecure: true } : {}),
  };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** What the report records: never the certificates themselves. */
export interface TransportSummary {
  http2: boolean;
  insecure: boolean;
  /** SHA-256 of the CA bundle sent to agents, when one was. */
  caSha256?: string;
}

export function summarizeTransport(t: TransportOptions | undefined): TransportSummary | undefined {
  if (!t) return undefined;
  return {
    http2: t.http2 === true,
    insecure: t.insecure === true,
    ...(t.ca ? { caSha256: createHash('sha256').update(t.ca).digest('hex').slice(0, 16) } : {}),
  };
}

export function transportLine(t: TransportSummary): string {
  const tls = t.insecure
    ? 'TLS certificates NOT verified (--insecure)'
    : t.caSha256
      ? `TLS verified against the --ca bundle sha256:${t.caSha256}`
      : 'TLS verified against the system CAs';
  return `${tls}; HTTP/2 ${t.http2 ? 'offered (ALPN)' : 'off'}`;
}

/** The transport `--ca` / `--insecure` ask for, laid over a case's own. */
export function runTransport(
  flags: { ca?: string; insecure?: boolean },
  own?: TransportOptions,
): TransportOptions | undefined {
  return withRunTls(own, { ca: flags.ca ? readCaFile(flags.ca) : undefined, insecure: flags.insecure });
}

/** `--ca` / `--insecure` applied to every case of a run. */
export function applyRunTls<T extends { settings: { transport?: TransportOptions } }>(
  cases: T[],
  flags: { ca?: string; insecure?: boolean },
): T[] {
  if (!flags.ca && !flags.insecure) return cases;
  return cases.map((c) => ({
    ...c,
    settings: { ...c.settings, transport: runTransport(flags, c.settings.transport) },
  }));
}
