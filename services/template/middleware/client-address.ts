/**
 * How the template names a client by its network address, shared by the IP allowlist, the rate
 * limiter, the access log and identity-idp's login throttle so all of them agree on who the client
 * is. Behind a reverse proxy the TCP peer is the proxy: `http.trustedProxies` names the proxies
 * whose `X-Forwarded-For` is believed; nobody else's is, since a client can write any header.
 */
import { BlockList, isIP, isIPv6 } from 'node:net';
import type Koa from 'koa';
import { UsageError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';

/** RFC 4291 §2.5.5.2: a dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The address as the client knows it: IPv4-mapped IPv6 addresses become plain IPv4. */
export function clientAddress(address: string | undefined): string {
  if (address === undefined) return '';
  // Most peers are plain IPv4: no colon, nothing to unmap.
  if (!address.includes(':')) return address;
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
  // Neither IPv6 nor zoned without a colon: an IPv4 client is its own identity (no regex on the hot path).
  if (!client.includes(':')) return client;
  // A link-local peer carries its zone (`fe80::1%eth0`); the zone is not part of the identity.
  const unscoped = client.replace(/%.*$/, '');
  if (!isIPv6(unscoped)) return client;
  const prefix = hextets(unscoped.toLowerCase()).slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}

interface Family {
  readonly name: 'ipv4' | 'ipv6';
  readonly bits: number;
}

const IPV4: Family = { name: 'ipv4', bits: 32 };
const IPV6: Family = { name: 'ipv6', bits: 128 };

function familyOf(address: string): Family | undefined {
  const version = isIP(address);
  if (version === 0) return undefined;
  return version === 4 ? IPV4 : IPV6;
}

/** Adds one `address` or `address/prefix` entry; a malformed entry is a configuration error. */
function addEntry(list: BlockList, key: string, entry: string): void {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = familyOf(address);
  if (family === undefined) throw new UsageError(`${key}: "${entry}" is not an IP address or CIDR`);
  if (slash === -1) {
    list.addAddress(address, family.name);
    return;
  }
  const prefix = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > family.bits) {
    throw new UsageError(`${key}: "${entry}" needs a prefix length from 0 to ${family.bits}`);
  }
  list.addSubnet(address, Number(prefix), family.name);
}

/**
 * Whether an address lies in one of `cidrs` (addresses or CIDRs of either family; IPv4-mapped
 * addresses match their IPv4 entries). `key` names the setting in a configuration error.
 */
export function cidrPredicate(key: string, cidrs: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of cidrs) addEntry(list, key, entry.trim());
  return (address) => {
    const peer = clientAddress(address);
    const family = familyOf(peer);
    return family !== undefined && list.check(peer, family.name);
  };
}

/**
 * The client of a request. The TCP peer, unless it is a trusted proxy: then `X-Forwarded-For`
 * (each proxy appends the address it received the request from) is walked from the right, past
 * trusted hops, and the first untrusted hop is the client. A hop that is not an address ends the
 * walk at the last address believed, so a client cannot name itself anything it likes.
 */
export function forwardedClient(peer: string | undefined, forwardedFor: string, trusted: (address: string) => boolean): string {
  let client = clientAddress(peer);
  if (forwardedFor === '') return client;
  const hops = forwardedFor.split(',').map((hop) => clientAddress(hop.trim()));
  for (const hop of hops.reverse()) {
    if (!trusted(client) || isIP(hop) === 0) return client;
    client = hop;
  }
  return client;
}

/**
 * The first step of the public pipeline: sets `ctx.ip` to the client as `http.trustedProxies`
 * lets it be known, once, for every later step. An empty list trusts no proxy.
 */
export function resolveClientAddress(trustedProxies: readonly string[]): Koa.Middleware<RequestState> {
  const resolve = clientAddressResolver(trustedProxies);
  return async function clientAddressStep(ctx, next) {
    resolve(ctx);
    await next();
  };
}

/** What resolveClientAddress does to a request, as a plain call. */
export function clientAddressResolver(trustedProxies: readonly string[]): (ctx: Koa.ParameterizedContext<RequestState>) => void {
  const trusted = trustedProxies.length === 0 ? () => false : cidrPredicate('http.trustedProxies', trustedProxies);
  return (ctx) => {
    ctx.request.ip = forwardedClient(ctx.req.socket.remoteAddress, ctx.get('X-Forwarded-For'), trusted);
  };
}
