import { expect } from 'chai';
import { defineEntity, p } from '@mikro-orm/core';
import { uuidPrimaryKey } from './primary-key.ts';
import { openDatabase } from './index.ts';
import { timestamps } from './timestamps.ts';

describe('timestamps()', () => {
  it('sets createdAt and updatedAt from the clock it is given, as soon as the entity is created', async () => {
    const fixed = new Date('2030-01-02T03:04:05.678Z');
    const Stamp = defineEntity({ name: 'Stamp', tableName: 'stamps', properties: { id: uuidPrimaryKey(), note: p.string(), ...timestamps(() => fixed) } });
    const database = await openDatabase({ url: 'sqlite::memory:', entities: [Stamp], migrations: [] });
    try {
      const stamp = database.fork().create(Stamp, { note: 'x' });
      expect(stamp.createdAt).to.equal(fixed);
      expect(stamp.updatedAt).to.equal(fixed);
    } finally {
      await database.close();
    }
  });
});
