/**
 * TLS key and certificate for Sesame's listeners: the operator's files when configured, else a self-signed
 * certificate generated once into the data directory (development; clients must not verify it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Where it came from, for the log. */
  source: 'configured' | 'generated' | 'generated-earlier';
  certFile: string;
}

/** A self-signed certificate and its key (PEM), e.g. for signing SNS-style notifications. */
export async function selfSignedCertificate(commonName: string): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  return { key: pems.private, cert: pems.cert };
}

export async function loadTlsMaterial(options: {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  dataDir: string;
  hostname: string;
}): Promise<TlsMaterial> {
  if (options.certFile || options.keyFile) {
    if (!options.certFile || !options.keyFile)
      throw new Error('SESAME_TLS_CERT and SESAME_TLS_KEY must be set together');
    return {
      key: readFileSync(options.keyFile, 'utf8'),
      cert: readFileSync(options.certFile, 'utf8'),
      source: 'configured',
      certFile: options.certFile,
    };
  }
  const dir = join(options.dataDir, 'tls');
  const certFile = join(dir, 'self-signed-cert.pem');
  const keyFile = join(dir, 'self-signed-key.pem');
  if (existsSync(certFile) && existsSync(keyFile))
    return {
      key: readFileSync(keyFile, 'utf8'),
      cert: readFileSync(certFile, 'utf8'),
      source: 'generated-earlier',
      certFile,
    };
  mkdirSync(dir, { recursive: true });
  const pems = await generate([{ name: 'commonName', value: options.hostname }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: options.hostname },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { key: pems.private, cert: pems.cert, source: 'generated', certFile };
}
