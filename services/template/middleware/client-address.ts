/**
 * How the template names a client by its network address, shared by the IP allowlist, the rate
 * limiter and the access log so all three agree on who the client is.
 */
import { isIPv6 } from 'node:net';

/** RFC 4291 §2.5.5.2: a dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The address as the client knows it: IPv4-mapped IPv6 addresses become plain IPv4. */
export function clientAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return IPV4_MAPPED.exec(address)?.[1] ?? address;
}

/** Hextets of an IPv6 address with `::` expanded; an embedded IPv4 tail counts as two. */
function hextets(address: string): string[] {
  const groups = (part: string): string[] =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? [group, group] : [group]));
  const gap = address.indexOf('::');
  if (gap === -1) return groups(address);
  const left = groups(address.slice(0, gap));
  const right = groups(address.slice(gap + 2));
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}

/**
 * The identity a client is rate limited under. An IPv6 host usually controls a whole /64 (RFC 7421),
 * so limiting per address would let it rotate through 2^64 identities; it is limited per /64.
 */
export function rateLimitKey(address: string | undefined): string {
  const client = clientAddress(address);
  // A socket already closed has no address; koa-ratelimit refuses an empty id, so name it.
  if (client === '') return 'unknown';
  // A link-local peer carries its zone (`fe80::1%eth0`); the zone is not part of the identity.
  const unscoped = client.replace(/%.*$/, '');
  if (!isIPv6(unscoped)) return client;
  const prefix = hextets(unscoped.toLowerCase()).slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}
