/**
 * IP addresses against CIDR ranges, for the `subjectAltNames.ip.ranges` rule and the name
 * constraints of CA profiles. node:net parses and compares both families.
 */
import { BlockList, isIP } from 'node:net';

/** A parsed CIDR range. */
export interface CidrRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

const families: Readonly<Record<number, { readonly family: 'ipv4' | 'ipv6'; readonly maxPrefix: number }>> = {
  4: { family: 'ipv4', maxPrefix: 32 },
  6: { family: 'ipv6', maxPrefix: 128 },
};

/** `10.0.0.0/8` or `fd00::/8` parsed, or `undefined` when it is not a CIDR range. */
export function parseCidr(text: string): CidrRange | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  // Both groups always match when the expression does.
  const address = String(match[1]);
  const prefix = Number(match[2]);
  const family = families[isIP(address)];
  if (family === undefined || prefix > family.maxPrefix) return undefined;
  return { address, prefix, family: family.family };
}

/**
 * The address (IPv4 or IPv6 text) lies in one of the ranges of its own family; ranges that do not
 * parse match nothing. Families are kept apart (BlockList alone would put IPv4 addresses in `::/0`).
 */
export function ipInRanges(address: string, ranges: readonly string[]): boolean {
  const family = families[isIP(address)];
  if (family === undefined) return false;
  const list = new BlockList();
  for (const range of ranges) {
    const cidr = parseCidr(range);
    if (cidr?.family === family.family) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list.check(address, family.family);
}
