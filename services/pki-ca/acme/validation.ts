/**
 * The server's side of the challenges (RFC 8555 §8.3 http-01, RFC 8737 tls-alpn-01), one row per
 * type. Each connects to the identifier on the configured port and throws an AcmeProblem saying
 * what it found when the proof is missing or wrong; they throw nothing else.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import tls from 'node:tls';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { x509 } from '../../template/tls/x509.ts';
import type { AcmeIdentifier } from './entities.ts';
import { AcmeProblem } from './problems.ts';

/** Longest one validation waits for the client's server. */
export const VALIDATION_TIMEOUT_MS = 10_000;

/** The largest http-01 response body read (a key authorization is about 90 bytes). */
const HTTP_BODY_LIMIT = 8192;

/** RFC 8737 §3: the acmeIdentifier extension and the ALPN protocol of the validation handshake. */
export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';
export const ACME_TLS_ALPN = 'acme-tls/1';

/** Where and what a validation checks. */
export interface ValidationTarget {
  readonly identifier: AcmeIdentifier;
  readonly token: string;
  readonly keyAuthorization: string;
  /** The address to connect to (the identifier, or what `deps.resolve` maps it to). */
  readonly address: string;
  readonly port: number;
}

/** RFC 8738 §6: tls-alpn-01 for an IP address sends the reverse-DNS name as SNI. */
export function reverseName(ip: string): string {
  if (ip.includes(':')) {
    const [left, right = ''] = ip.split('::') as [string, string?];
    const head = left.split(':').filter((group) => group !== '');
    const tail = right.split(':').filter((group) => group !== '');
    const full = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
    const nibbles = full.map((group) => group.padStart(4, '0')).join('');
    return `${Array.from({ length: nibbles.length }, (_, index) => nibbles.charAt(nibbles.length - 1 - index)).join('.')}.ip6.arpa`;
  }
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

function http01(target: ValidationTarget): Promise<void> {
  const host = target.identifier.type === 'ip' && target.identifier.value.includes(':') ? `[${target.identifier.value}]` : target.identifier.value;
  return new Promise((resolve, reject) => {
    const request = http.get({
      host: target.address,
      port: target.port,
      path: `/.well-known/acme-challenge/${target.token}`,
      headers: { Host: `${host}:${target.port}` },
      timeout: VALIDATION_TIMEOUT_MS,
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= HTTP_BODY_LIMIT) chunks.push(chunk);
      });
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        if (response.statusCode !== 200) {
          reject(new AcmeProblem('incorrectResponse', `http-01: the challenge URL answered ${String(response.statusCode)}`));
        } else if (body !== target.keyAuthorization) {
          reject(new AcmeProblem('incorrectResponse', 'http-01: the response is not the key authorization'));
        } else {
          resolve();
        }
      });
    });
    request.on('timeout', () => { request.destroy(new Error('timed out')); });
    request.on('error', (error) => { reject(new AcmeProblem('connection', `http-01: could not fetch the challenge: ${error.message}`)); });
  });
}

/** Checks the validation certificate of RFC 8737 §3: the one SAN and the acmeIdentifier digest. */
export function checkAlpnCertificate(der: Uint8Array, target: ValidationTarget): void {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(der);
  } catch {
    throw new AcmeProblem('incorrectResponse', 'tls-alpn-01: the server presented no parsable certificate');
  }
  const names = certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const name = names[0];
  if (names.length !== 1 || name?.type !== target.identifier.type || name.value.toLowerCase() !== target.identifier.value) {
    throw new AcmeProblem('incorrectResponse', 'tls-alpn-01: the certificate must name exactly the identifier');
  }
  const extension = certificate.getExtension(ACME_IDENTIFIER_OID);
  if (extension?.critical !== true) {
    throw new AcmeProblem('incorrectResponse', 'tls-alpn-01: the certificate lacks a critical acmeIdentifier extension');
  }
  const expected = createHash('sha256').update(target.keyAuthorization).digest();
  let digest: Buffer;
  try {
    digest = Buffer.from(AsnConvert.parse(extension.value, OctetString).buffer);
  } catch {
    throw new AcmeProblem('incorrectResponse', 'tls-alpn-01: the acmeIdentifier extension is not an OCTET STRING');
  }
  if (!digest.equals(expected)) {
    throw new AcmeProblem('incorrectResponse', 'tls-alpn-01: the acmeIdentifier digest does not match the key authorization');
  }
}

/** What is wrong with a finished validation handshake, if anything. */
function handshakeProblem(socket: tls.TLSSocket, target: ValidationTarget): AcmeProblem | undefined {
  if (socket.alpnProtocol !== ACME_TLS_ALPN) {
    return new AcmeProblem('tls', `tls-alpn-01: the server did not negotiate ${ACME_TLS_ALPN}`);
  }
  try {
    checkAlpnCertificate(socket.getPeerCertificate().raw, target);
    return undefined;
  } catch (error) {
    return error as AcmeProblem;
  }
}

function tlsAlpn01(target: ValidationTarget): Promise<void> {
  const servername = target.identifier.type === 'ip' ? reverseName(target.identifier.value) : target.identifier.value;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.address,
      port: target.port,
      servername,
      ALPNProtocols: [ACME_TLS_ALPN],
      // the validation certificate is self-signed by design; its content is what is checked
      rejectUnauthorized: false,
      timeout: VALIDATION_TIMEOUT_MS,
    }, () => {
      const problem = handshakeProblem(socket, target);
      socket.destroy();
      if (problem === undefined) resolve();
      else reject(problem);
    });
    socket.on('timeout', () => { socket.destroy(new Error('timed out')); });
    socket.on('error', (error: Error) => { reject(new AcmeProblem('tls', `tls-alpn-01: handshake failed: ${error.message}`)); });
  });
}

/** The challenge types this server offers. */
export type ChallengeType = 'http-01' | 'tls-alpn-01';

/** Each challenge type's validator and the port (of `challengePorts`) it connects to; a row adds a type. */
export const CHALLENGE_TYPES: Readonly<Record<ChallengeType, { readonly port: 'http' | 'tlsAlpn'; readonly validate: (target: ValidationTarget) => Promise<void> }>> = {
  'http-01': { port: 'http', validate: http01 },
  'tls-alpn-01': { port: 'tlsAlpn', validate: tlsAlpn01 },
};
