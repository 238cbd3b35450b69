/**
 * The barrier template module (DESIGN "Barrier", docs/barrier.md): every service that keeps secret
 * material seals it here. The runtime builds one with `createBarrier`; `cryptoutil <service> init`
 * calls `newUnsealShares`.
 */
// @ts-nocheck

import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { createBarrierWithStore } from './barrier.ts';
import type { Barrier } from './contract.ts';
import { OrmBarrierStore } from './orm-store.ts';

export * from './contract.ts';
export { createBarrierWithStore, type BarrierTuning } from './barrier.ts';
export { barrierEntities, BarrierIntermediateKey, BarrierRootKey, BarrierState } from './entities.ts';
export { barrierMigrations } from './migrations.ts';
export { MemoryBarrierStore } from './memory-store.ts';
export { OrmBarrierStore } from './orm-store.ts';
export { RECORD_OVERHEAD, RECORD_VERSION } from './record.ts';
export {
  checkKeyCheck,
  checkShareCounts,
  checkThreshold,
  combineShares,
  KEY_CHECK_PREFIX,
  keyCheckOfShares,
  keyCheckValue,
  MAX_SHARES,
  MIN_THRESHOLD,
  newUnsealKey,
  newUnsealShares,
  type NewUnsealKey,
  SHARE_BYTES,
  splitUnsealKey,
  UNSEAL_KEY_BYTES,
} from './shares.ts';
export type { BarrierSnapshot, BarrierStore, InitialKeys, RotatedKeys, StoredIntermediateKey, StoredRootKey } from './store.ts';
export type { SecretAllocator } from './wrapping.ts';

export interface BarrierOptions {
  /** The service's database; the barrier's tables come from `barrierMigrations`. */
  readonly orm: MikroORM;
  /** `barrier.threshold`: shares needed to rebuild the unseal key (2 to 255). */
  readonly threshold: number;
  /** `barrier.keyCheck`: the only key an empty barrier may be initialized under (see BarrierTuning). */
  readonly keyCheck?: string;
  readonly logger?: Logger;
}

/** The barrier of a service, on its database; it starts sealed. */
export function createBarrier(options: BarrierOptions): Barrier {
  return createBarrierWithStore(new OrmBarrierStore(options.orm), options.threshold, { logger: options.logger, keyCheck: options.keyCheck });
}
