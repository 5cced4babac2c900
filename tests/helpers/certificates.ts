/**
 * Certificates for TLS tests, made with openssl: a CA, a server certificate for 127.0.0.1, a
 * client certificate the CA signed, and a client certificate from another CA the server does not
 * trust. EC keys keep it quick.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificates {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  client: { cert: string; key: string };
  /** Signed by a CA the server does not know. */
  stranger: { cert: string; key: string };
}

/** Why the TLS tests cannot make certificates here, or undefined when they can. */
export function opensslSkipReason(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs openssl to make test certificates: apt-get install -y openssl';
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...EC_KEY,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  ]);
}

function signed(dir: string, ca: string, name: string, extensions: string): { cert: string; key: string } {
  writeFileSync(path.join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(dir, ['req', ...EC_KEY, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
  return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    server: signed(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'),
    client: signed(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth'),
    stranger: signed(dir, 'other-ca', 'stranger', 'extendedKeyUsage=clientAuth'),
  };
}

/** The nats-server block that requires TLS and a client certificate signed by the CA. */
export function tlsServerBlock(certs: TestCertificates): string {
  return [
    'tls {',
    `  cert_file: "${certs.server.cert}"`,
    `  key_file: "${certs.server.key}"`,
    `  ca_file: "${certs.ca}"`,
    '  verify: true',
    '  timeout: 5',
    '}',
  ].join('\n');
}
