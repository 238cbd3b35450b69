/**
 * `createdAt`/`updatedAt` set by the ORM, not by SQL defaults: SQLite keeps dates as epoch
 * milliseconds, so only the ORM writes the same value on both engines.
 */
// @ts-nocheck

import { p } from '@mikro-orm/core';

/** Spread into `defineEntity({ properties })`; pass a clock to make times deterministic in tests. */
export function timestamps(now: () => Date = () => new Date()) {
  return {
    createdAt: p.datetime().onCreate(() => now()),
    updatedAt: p.datetime().onCreate(() => now()).onUpdate(() => now()),
  };
}
