/**
 * Client TLS and HTTP/2 options for an https:// target, from the shard's transport settings: the
 * CA bundle the run sent (PEM text, trusted instead of the system CAs), verification switched off
 * for `--insecure`, and undici's `allowH2` so ALPN may pick HTTP/2.
 */
import type { TransportOptions } from '../../shared/custom/transport.js';

export interface TlsOptions {
  ca?: string;
  rejectUnauthorized?: boolean;
}

export function tlsOptions(t: Readonly<TransportOptions> | undefined): TlsOptions {
  return {
    ...(t?.ca ? { ca: t.ca } : {}),
    ...(t?.insecure ? { rejectUnauthorized: false } : {}),
  };
}

/** Options for an undici Client or Pool. */
export function undiciTransport(t: Readonly<TransportOptions> | undefined): {
  connect?: TlsOptions;
  allowH2?: boolean;
} {
  const tls = tlsOptions(t);
  return {
    ...(Object.keys(tls).length > 0 ? { connect: tls } : {}),
    ...(t?.http2 ? { allowH2: true } : {}),
  };
}
