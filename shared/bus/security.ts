/**
 * How a process proves who it is to NATS and encrypts the link. Secrets come from the
 * environment, never from flags (which show in `ps`); certificate *paths* may be flags, and a
 * flag wins over its variable. Every problem names the flag or variable it came from.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { UsageError } from '../errors.js';

/** PEM files for TLS: the CA that signed the server, and this client's certificate and key. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export type Credentials = Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator'>;

const TLS_SOURCES = {
  ca: { flag: '--tls-ca', env: 'STAMPEDE_NATS_TLS_CA' },
  cert: { flag: '--tls-cert', env: 'STAMPEDE_NATS_TLS_CERT' },
  key: { flag: '--tls-key', env: 'STAMPEDE_NATS_TLS_KEY' },
} as const;

/** Every variable that carries NATS credentials or TLS files, so a parent can keep them from children. */
export const BUS_ENV_VARIABLES = [
  'STAMPEDE_NATS_CREDS',
  'STAMPEDE_NATS_NKEY',
  'STAMPEDE_NATS_USER',
  'STAMPEDE_NATS_PASSWORD',
  'STAMPEDE_NATS_TOKEN',
  ...Object.values(TLS_SOURCES).map((s) => s.env),
] as const;

function readSecretFile(variable: string, file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(
      `${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/**
 * Credentials from the environment, first match wins: STAMPEDE_NATS_CREDS (a .creds file),
 * STAMPEDE_NATS_NKEY (an nkey seed file), STAMPEDE_NATS_USER + STAMPEDE_NATS_PASSWORD, or
 * STAMPEDE_NATS_TOKEN.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials {
  if (env.STAMPEDE_NATS_CREDS)
    return {
      authenticator: credsAuthenticator(readSecretFile('STAMPEDE_NATS_CREDS', env.STAMPEDE_NATS_CREDS)),
    };
  if (env.STAMPEDE_NATS_NKEY) {
    const seed = new TextDecoder()
      .decode(readSecretFile('STAMPEDE_NATS_NKEY', env.STAMPEDE_NATS_NKEY))
      .trim();
    if (!/^SU[A-Z2-7]{50,}$/.test(seed))
      throw new UsageError(
        `STAMPEDE_NATS_NKEY: ${env.STAMPEDE_NATS_NKEY} does not hold a user nkey seed (a line starting with "SU")`,
      );
    return { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) };
  }
  if (env.STAMPEDE_NATS_USER) return { user: env.STAMPEDE_NATS_USER, pass: env.STAMPEDE_NATS_PASSWORD ?? '' };
  if (env.STAMPEDE_NATS_TOKEN) return { token: env.STAMPEDE_NATS_TOKEN };
  return {};
}

/**
 * The TLS files to use: each flag over its variable. Checks that the files are readable and that
 * a certificate comes with its key; reports every problem at once.
 */
export function resolveTls(flags: TlsFiles = {}, env: NodeJS.ProcessEnv = process.env): TlsFiles | undefined {
  const files: TlsFiles = {};
  const origin: Partial<Record<keyof TlsFiles, string>> = {};
  const problems: string[] = [];
  for (const field of Object.keys(TLS_SOURCES) as (keyof TlsFiles)[]) {
    const { flag, env: variable } = TLS_SOURCES[field];
    const value = flags[field] ?? (env[variable] || undefined);
    if (value === undefined) continue;
    files[field] = value;
    origin[field] = flags[field] !== undefined ? flag : variable;
    try {
      accessSync(value, constants.R_OK);
    } catch (error) {
      problems.push(`${origin[field]}: cannot read ${value} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  if (files.cert && !files.key)
    problems.push(`${origin.cert} is given without a key: add --tls-key or STAMPEDE_NATS_TLS_KEY`);
  if (files.key && !files.cert)
    problems.push(`${origin.key} is given without a certificate: add --tls-cert or STAMPEDE_NATS_TLS_CERT`);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return Object.keys(files).length > 0 ? files : undefined;
}

/** nats.js options for the TLS files; none means a plain connection (unless the server demands TLS). */
export function tlsOptions(files: TlsFiles | undefined): Pick<ConnectionOptions, 'tls'> {
  if (!files) return {};
  return { tls: { caFile: files.ca, certFile: files.cert, keyFile: files.key } };
}

/** The environment without any NATS credentials or TLS settings: for a child given its own. */
export function withoutBusVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of BUS_ENV_VARIABLES) delete copy[name];
  return copy;
}
