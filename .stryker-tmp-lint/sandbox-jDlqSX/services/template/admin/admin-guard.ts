/**
 * The step in front of every state-changing admin endpoint. The admin listener is on loopback, but
 * a browser on the same host can reach loopback too: a cross-site form post carries an `Origin`,
 * a DNS-rebound page carries its own `Host`, and neither can know the admin token.
 */
// @ts-nocheck

import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Middleware } from 'koa';
import { ForbiddenError, UnauthorizedError } from '../errors/index.ts';

/** RFC 6750 §2.1. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

/** The host part of a Host header: `[::1]:9090` → `::1`, `localhost:9090` → `localhost`. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host)?.[1];
  if (bracketed !== undefined) return bracketed;
  return host.replace(/:\d*$/, '');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** `localhost`, 127.0.0.0/8 and ::1: the names a loopback listener is legitimately called by. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host).toLowerCase();
  if (name === 'localhost') return true;
  const family = isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

/** Comparing digests keeps the comparison constant-time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Refuses (403) cross-site and rebound requests, then (401) any without the admin token. */
export function adminGuard(token: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    if (ctx.get('Origin') !== '') {
      throw new ForbiddenError('state-changing admin requests may not carry an Origin header: they come from a browser page');
    }
    if (!isLoopbackHost(ctx.get('Host'))) {
      throw new ForbiddenError('state-changing admin requests must name a loopback Host (localhost, 127.0.0.1 or [::1])');
    }
    const presented = BEARER.exec(ctx.get('Authorization'))?.[1];
    if (presented === undefined) {
      throw new UnauthorizedError('the admin token is required: Authorization: Bearer <content of dataDir/admin.token or admin.token>');
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      throw new UnauthorizedError('the admin token is wrong', 'Bearer error="invalid_token"');
    }
    await next();
  };
}
