/**
 * identity-rs keeps one kind of record, so that its scopes guard something real: documents, each
 * remembering the subject of the token that created it.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps, uuidPrimaryKey } from '../template/database/index.ts';

export const Document = defineEntity({
  name: 'Document',
  tableName: 'documents',
  properties: {
    id: uuidPrimaryKey(),
    title: p.string(),
    content: p.text(),
    createdBy: p.string(),
    ...timestamps(),
  },
});
export type Document = InferEntity<typeof Document>;

/** Every entity of the service, as the definition hands them to the template. */
export const entities = [Document];
