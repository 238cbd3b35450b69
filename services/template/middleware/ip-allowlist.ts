/**
 * Network-level admission for the public listener (`ipAllowlist`). It trusts only the TCP peer: a
 * forwarded-for header is written by the client and would let anyone claim an allowed address.
 */
import { BlockList, isIP } from 'node:net';
import type Koa from 'koa';
import { ForbiddenError, UsageError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { clientAddress } from './client-address.ts';

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
function addEntry(list: BlockList, entry: string): void {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = familyOf(address);
  if (family === undefined) throw new UsageError(`ipAllowlist: "${entry}" is not an IP address or CIDR`);
  if (slash === -1) {
    list.addAddress(address, family.name);
    return;
  }
  const prefix = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > family.bits) {
    throw new UsageError(`ipAllowlist: "${entry}" needs a prefix length from 0 to ${family.bits}`);
  }
  list.addSubnet(address, Number(prefix), family.name);
}

/**
 * A predicate over peer addresses; an empty list admits everyone (the documented default). Exposed
 * so the CIDR rules can be checked without sockets.
 */
export function allowlistPredicate(cidrs: readonly string[]): (address: string | undefined) => boolean {
  if (cidrs.length === 0) return () => true;
  const list = new BlockList();
  for (const entry of cidrs) addEntry(list, entry.trim());
  return (address) => {
    const peer = clientAddress(address);
    const family = familyOf(peer);
    return family !== undefined && list.check(peer, family.name);
  };
}

/** Refuses with 403 any request whose TCP peer is outside the configured CIDRs. */
export function ipAllowlist(cidrs: readonly string[]): Koa.Middleware<RequestState> {
  const allowed = allowlistPredicate(cidrs);
  return async function ipAllowlistStep(ctx, next) {
    if (!allowed(ctx.req.socket.remoteAddress)) throw new ForbiddenError('client address is not allowed');
    await next();
  };
}
