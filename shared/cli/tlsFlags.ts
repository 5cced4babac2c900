/** The TLS flags both CLIs take; each falls back to its STAMPEDE_NATS_TLS_* variable. */
import type { Command } from 'commander';
import { resolveTls, type TlsFiles } from '../bus/security.js';

export interface TlsFlags {
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function addTlsOptions(command: Command): Command {
  return command
    .option(
      '--tls-ca <file>',
      'CA certificate (PEM) that signed the NATS server (default: $STAMPEDE_NATS_TLS_CA)',
    )
    .option('--tls-cert <file>', 'client certificate (PEM) for NATS (default: $STAMPEDE_NATS_TLS_CERT)')
    .option('--tls-key <file>', 'key of the client certificate (default: $STAMPEDE_NATS_TLS_KEY)');
}

/** The TLS files from the flags over the environment, checked; `{}` when there are none. */
export function tlsFromFlags(flags: TlsFlags): TlsFiles {
  return resolveTls({ ca: flags.tlsCa, cert: flags.tlsCert, key: flags.tlsKey }) ?? {};
}
