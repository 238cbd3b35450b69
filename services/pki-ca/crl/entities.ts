/**
 * Stored CRLs: every CRL a CA publishes is kept as the signed DER it served, so each replica
 * serves the same bytes and a restart serves the last one again instead of signing a new one.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { uuidPrimaryKey } from '../../template/database/index.ts';

/** The two CRLs of a CA: the full one and the delta that completes it. */
export type CrlKind = 'full' | 'delta';

export const PkiCrl = defineEntity({
  name: 'PkiCrl',
  tableName: 'pki_crls',
  properties: {
    id: uuidPrimaryKey(),
    caName: p.string(),
    /** cRLNumber: one increasing sequence per CA, shared by its full and delta CRLs (RFC 5280 §5.2.3). */
    number: p.bigint(),
    kind: p.string().$type<CrlKind>(),
    /** The full CRL a delta completes (its deltaCRLIndicator); null for a full CRL. */
    baseNumber: p.bigint().nullable(),
    thisUpdate: p.datetime(),
    nextUpdate: p.datetime(),
    der: p.blob(),
    createdAt: p.datetime(),
  },
});
export type PkiCrl = InferEntity<typeof PkiCrl>;

/** The entities of CRL publishing, for the service definition. */
export const crlEntities = [PkiCrl];
