/**
 * Rules that span keys or need more than a format: checked once every value has its type. One row
 * per rule; each names the key it blames, so the message can say where that key's value came from.
 */
// @ts-nocheck

import type { TemplateConfig } from './schema.ts';
import { hasProtocol, isHostName, isHttpsOrigin, isIpOrCidr, isLoopback } from './network.ts';
import { MIN_THRESHOLD } from '../barrier/shares.ts';

/** A check over the typed configuration that blames one key. */
export interface Rule {
  /** The key the message names. */
  readonly path: string;
  /** Why the configuration is wrong, or undefined when it is fine. Never quotes a value. */
  readonly check: (config: TemplateConfig) => string | undefined;
}

function when(failed: boolean, reason: string): string | undefined {
  return failed ? reason : undefined;
}

/** Empty means "not set"; a set value must parse as a URL with one of the protocols. */
function optionalUrl(value: string, protocols: readonly string[], reason: string): string | undefined {
  return when(value !== '' && !hasProtocol(value, protocols), reason);
}

/** Names the first bad entry by position (1-based), not by value. */
function everyEntry(entries: readonly string[], accepts: (entry: string) => boolean, reason: string): string | undefined {
  const bad = entries.findIndex((entry) => !accepts(entry));
  return when(bad >= 0, `entry ${bad + 1} ${reason}`);
}

/** DESIGN "Configuration": `sqlite:PATH`, `sqlite::memory:` or a PostgreSQL URL with a host. */
function isDatabaseUrl(url: string): boolean {
  return /^sqlite:.+$/.test(url) || (hasProtocol(url, ['postgres:', 'postgresql:']) && new URL(url).host !== '');
}

/** DESIGN "Configuration" and "Two HTTPS listeners": the rules every service's shared keys obey. */
export const TEMPLATE_RULES: readonly Rule[] = [
  {
    path: 'admin.address',
    check: (c) => when(!isLoopback(c.admin.address), 'must be a loopback address (127.0.0.0/8, ::1 or localhost)'),
  },
  { path: 'tls.certFile', check: (c) => when(c.tls.mode === 'files' && c.tls.certFile === '', 'is required when tls.mode is files') },
  { path: 'tls.keyFile', check: (c) => when(c.tls.mode === 'files' && c.tls.keyFile === '', 'is required when tls.mode is files') },
  { path: 'tls.names', check: (c) => when(c.tls.mode === 'auto' && c.tls.names.length === 0, 'must list at least one DNS name or IP address when tls.mode is auto') },
  { path: 'tls.names', check: (c) => everyEntry(c.tls.names, isHostName, 'must be a DNS name or an IP address') },
  {
    path: 'database.url',
    check: (c) => when(!isDatabaseUrl(c.database.url), 'must be sqlite:PATH, sqlite::memory: or a postgres:// (postgresql://) URL'),
  },
  { path: 'database.poolMax', check: (c) => when(c.database.poolMax < c.database.poolMin, 'must not be less than database.poolMin') },
  { path: 'auth.issuer', check: (c) => optionalUrl(c.auth.issuer, ['https:'], 'must be an https:// URL') },
  { path: 'auth.jwksUri', check: (c) => optionalUrl(c.auth.jwksUri, ['https:'], 'must be an https:// URL') },
  { path: 'auth.publicUrl', check: (c) => optionalUrl(c.auth.publicUrl, ['https:'], 'must be an https:// URL') },
  { path: 'cors.origins', check: (c) => everyEntry(c.cors.origins, isHttpsOrigin, 'must be an origin: https://host[:port]') },
  { path: 'ipAllowlist', check: (c) => everyEntry(c.ipAllowlist, isIpOrCidr, 'must be an IP address or a CIDR block') },
  { path: 'http.trustedProxies', check: (c) => everyEntry(c.http.trustedProxies, isIpOrCidr, 'must be an IP address or a CIDR block') },
  // Shamir's scheme needs two shares at least: with one, each share would be the unseal key itself.
  { path: 'barrier.threshold', check: (c) => when(c.barrier.threshold < MIN_THRESHOLD, `must be at least ${String(MIN_THRESHOLD)}`) },
  {
    path: 'rateLimit.redisUrl',
    check: (c) => optionalUrl(c.rateLimit.redisUrl, ['redis:', 'rediss:'], 'must be a redis:// or rediss:// URL'),
  },
  {
    path: 'telemetry.otlpEndpoint',
    check: (c) => optionalUrl(c.telemetry.otlpEndpoint, ['http:', 'https:'], 'must be an http:// or https:// URL'),
  },
];
