/** Certificates as PEM text the way the API writes them: each block ends with a newline, so PEMs concatenate. */
import type { x509 } from '../template/tls/x509.ts';

/** PEM of one certificate, newline-terminated. */
export function certificatePem(certificate: x509.X509Certificate): string {
  return `${certificate.toString('pem').trimEnd()}\n`;
}
