/**
 * Address and URL shapes the configuration accepts. Node's own parsers (node:net, WHATWG URL) decide,
 * so the config accepts exactly what the listeners and clients will later accept.
 */
// @ts-nocheck

import { BlockList, isIP } from 'node:net';

const FAMILY = { 4: 'ipv4', 6: 'ipv6' } as const;
const PREFIX_BITS = { 4: 32, 6: 128 } as const;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The admin listener must stay unreachable from other hosts (DESIGN "Admin"). */
export function isLoopback(address: string): boolean {
  if (address.toLowerCase() === 'localhost') {
    return true;
  }
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, FAMILY[family as 4 | 6]);
}

/** One allowlist entry: a single address or an `address/prefix` CIDR block. */
export function isIpOrCidr(entry: string): boolean {
  if (isIP(entry) !== 0) {
    return true;
  }
  const [address = '', prefix = '', ...rest] = entry.split('/');
  const family = isIP(address);
  return rest.length === 0 && family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= PREFIX_BITS[family as 4 | 6];
}

// RFC 1123 §2.1 labels; a leading `*.` wildcard is allowed for certificate names (RFC 6125 §6.4.3).
const DNS_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A name a server certificate can carry: an IP address or a DNS name. */
export function isHostName(name: string): boolean {
  return isIP(name) !== 0 || (name.length <= 253 && DNS_NAME.test(name));
}

/** True when `value` parses as a URL whose scheme is one of `protocols` (e.g. `['https:']`). */
export function hasProtocol(value: string, protocols: readonly string[]): boolean {
  return URL.canParse(value) && protocols.includes(new URL(value).protocol);
}

/**
 * A CORS origin as browsers send it (RFC 6454 §6.1): `https://host[:port]`, nothing more. Requiring
 * the serialized form means an entry that could never match an `Origin` header is refused up front.
 */
export function isHttpsOrigin(entry: string): boolean {
  return hasProtocol(entry, ['https:']) && new URL(entry).origin === entry;
}
