import { readFileSync } from 'node:fs';
import { ConfigError } from '@switchboard/config';

/** The settings that turn TLS on (`TLS_CERT_FILE`, `TLS_KEY_FILE`; both in commonEnv). */
export interface TlsSettings {
  TLS_CERT_FILE?: string | undefined;
  TLS_KEY_FILE?: string | undefined;
}

/** A certificate (chain) and its private key, PEM. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function read(name: 'TLS_CERT_FILE' | 'TLS_KEY_FILE', file: string, marker: RegExp, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError(`invalid ${name} (got "${file}"): cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!marker.test(bytes.toString('latin1'))) throw new ConfigError(`invalid ${name} (got "${file}"): not a PEM ${what}`);
  return bytes;
}

/**
 * Reads the TLS certificate and key named by `TLS_CERT_FILE`/`TLS_KEY_FILE`; null when neither
 * is set (plain http/ws). One without the other, an unreadable file, or a file that is not PEM
 * throws a ConfigError naming the variable, so the service stops at start-up with one line.
 */
export function loadTls(settings: TlsSettings): TlsFiles | null {
  const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = settings;
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined) throw new ConfigError('invalid TLS_CERT_FILE: required when TLS_KEY_FILE is set');
  if (keyFile === undefined) throw new ConfigError('invalid TLS_KEY_FILE: required when TLS_CERT_FILE is set');
  return {
    cert: read('TLS_CERT_FILE', certFile, /-----BEGIN CERTIFICATE-----/, 'certificate'),
    key: read('TLS_KEY_FILE', keyFile, /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, 'private key'),
  };
}
