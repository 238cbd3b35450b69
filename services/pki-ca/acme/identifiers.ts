/**
 * Identifiers (RFC 8555 §7.1.4, §9.7.7; RFC 8738 for IP addresses): what a new order may ask for,
 * and the names a CSR carries, in one canonical form so the two compare as sets.
 */
import { isIP } from 'node:net';
import { x509 } from '../../template/tls/x509.ts';
import type { AcmeIdentifier } from './entities.ts';
import { AcmeProblem } from './problems.ts';

/** Most identifiers one order may name. */
export const MAX_IDENTIFIERS = 100;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** An IP address in its canonical text form (IPv6 compressed and lowercase). */
export function canonicalIp(value: string): string | undefined {
  const version = isIP(value);
  if (version === 4) return value;
  if (version === 6) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return undefined;
}

function dnsName(value: string): string {
  const name = value.toLowerCase();
  if (name.startsWith('*.')) {
    throw new AcmeProblem('rejectedIdentifier', 'wildcard names need dns-01, which this server does not offer');
  }
  if (name.length > 253 || !name.split('.').every((label) => LABEL.test(label)) || isIP(name) !== 0) {
    throw new AcmeProblem('rejectedIdentifier', `"${name.slice(0, 64)}" is not a valid DNS name`);
  }
  return name;
}

/** Canonical identifier rows, one per identifier type. */
const CANONICAL: Readonly<Record<AcmeIdentifier['type'], (value: string) => string>> = {
  dns: dnsName,
  ip: (value) => {
    const ip = canonicalIp(value);
    if (ip === undefined) throw new AcmeProblem('rejectedIdentifier', 'an ip identifier must be an IPv4 or IPv6 address');
    return ip;
  },
};

function identifierKey(identifier: AcmeIdentifier): string {
  return `${identifier.type}:${identifier.value}`;
}

/** The identifiers of a new-order payload, checked, canonical and without duplicates. */
export function orderIdentifiers(value: unknown): AcmeIdentifier[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IDENTIFIERS) {
    throw new AcmeProblem('malformed', `identifiers must be an array of 1 to ${MAX_IDENTIFIERS} identifiers`);
  }
  const seen = new Map<string, AcmeIdentifier>();
  for (const item of value as unknown[]) {
    const { type, value: text } = (typeof item === 'object' && item !== null ? item : {}) as { type?: unknown; value?: unknown };
    if (typeof type !== 'string' || typeof text !== 'string') {
      throw new AcmeProblem('malformed', 'each identifier must have a string type and value');
    }
    if (!Object.hasOwn(CANONICAL, type)) {
      throw new AcmeProblem('unsupportedIdentifier', `identifier type "${type.slice(0, 16)}" is not supported`);
    }
    const identifier: AcmeIdentifier = { type: type as AcmeIdentifier['type'], value: CANONICAL[type as AcmeIdentifier['type']](text) };
    seen.set(identifierKey(identifier), identifier);
  }
  return [...seen.values()];
}

/** The names a CSR requests: its SAN dNSName and iPAddress entries and its CN, canonical. */
export function csrIdentifiers(csr: x509.Pkcs10CertificateRequest): AcmeIdentifier[] {
  const names = new Map<string, AcmeIdentifier>();
  const add = (identifier: AcmeIdentifier): void => { names.set(identifierKey(identifier), identifier); };
  const san = csr.extensions.find((extension) => extension instanceof x509.SubjectAlternativeNameExtension);
  for (const name of san?.names.items ?? []) {
    const ip = name.type === 'ip' ? canonicalIp(name.value) : undefined;
    if (name.type === 'dns') add({ type: 'dns', value: name.value.toLowerCase() });
    else if (ip !== undefined) add({ type: 'ip', value: ip });
    else throw new AcmeProblem('badCSR', `the CSR names a ${name.type} subjectAltName, which ACME orders cannot validate`);
  }
  for (const cn of csr.subjectName.getField('CN')) {
    const ip = canonicalIp(cn);
    add(ip === undefined ? { type: 'dns', value: cn.toLowerCase() } : { type: 'ip', value: ip });
  }
  return [...names.values()];
}

/** Whether two identifier lists name the same set. */
export function sameIdentifiers(a: readonly AcmeIdentifier[], b: readonly AcmeIdentifier[]): boolean {
  const left = new Set(a.map(identifierKey));
  const right = new Set(b.map(identifierKey));
  return left.size === right.size && [...left].every((key) => right.has(key));
}
