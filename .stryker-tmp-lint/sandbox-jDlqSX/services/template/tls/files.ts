/**
 * `tls.mode: files`: PEM certificate, key and CA bundle from paths, typically a Kubernetes TLS
 * Secret mounted into the pod. Everything is checked before a listener opens, so a wrong mount is
 * exit code 2 with the key and path named, not a TLS handshake failure later.
 */
// @ts-nocheck

import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors/index.ts';
import { fsReason } from '../config/problems.ts';
import type { TemplateConfig } from '../config/schema.ts';
import type { TlsMaterial } from './server-options.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads the file a `tls.*` key names; failures name the key and the path. */
export async function readTlsFile(key: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${key} ${path}: ${fsReason(error)}`);
  }
}

/** Synchronous twin of readTlsFile, for the command-line probes that build one request and exit. */
export function readTlsFileSync(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${key} ${path}: ${fsReason(error)}`);
  }
}

function parseCertificate(pem: string, path: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new UsageError(`tls.certFile ${path} does not hold a PEM certificate`);
  }
}

function parsePrivateKey(pem: string, path: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // Node's message may describe the key's encoding; it says nothing a user needs, so it is not passed on.
    throw new UsageError(`tls.keyFile ${path} does not hold an unencrypted PEM private key`);
  }
}

/** Every certificate of a PEM bundle must parse (a trust anchor need not be a CA: a pinned self-signed certificate is one too): a bad CA bundle fails at start, not at the first outgoing call. */
function checkCaBundle(pem: string, path: string): void {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  const readable = blocks.every((block) => {
    try {
      return new X509Certificate(block).raw.length > 0;
    } catch {
      return false;
    }
  });
  if (blocks.length === 0 || !readable) {
    throw new UsageError(`tls.caFile ${path} must hold one or more PEM certificates`);
  }
}

function checkValidity(certificate: X509Certificate, path: string, now: Date): void {
  if (now < certificate.validFromDate) {
    throw new UsageError(`tls.certFile ${path} is not valid before ${certificate.validFromDate.toISOString()}`);
  }
  if (now > certificate.validToDate) {
    throw new UsageError(`tls.certFile ${path} expired on ${certificate.validToDate.toISOString()}`);
  }
}

/** The CA bundle of `tls.caFile`, checked; empty when the key is empty. */
export async function readCaFile(caFile: string): Promise<string> {
  if (caFile === '') {
    return '';
  }
  const pem = await readTlsFile('tls.caFile', caFile);
  checkCaBundle(pem, caFile);
  return pem;
}

/** Loads and checks files-mode material: readable, key matches certificate, certificate valid now. */
export async function loadTlsFiles(tls: TemplateConfig['tls'], now: Date): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([readTlsFile('tls.certFile', tls.certFile), readTlsFile('tls.keyFile', tls.keyFile), readCaFile(tls.caFile)]);
  const certificate = parseCertificate(cert, tls.certFile);
  const privateKey = parsePrivateKey(key, tls.keyFile);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new UsageError(`tls.keyFile ${tls.keyFile} is not the private key of the certificate in tls.certFile ${tls.certFile}`);
  }
  checkValidity(certificate, tls.certFile, now);
  return { cert, key, ca };
}
