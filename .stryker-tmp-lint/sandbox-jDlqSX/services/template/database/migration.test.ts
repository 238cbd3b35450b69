// @ts-nocheck
import { expect } from 'chai';
import { ENGINES } from './engines.ts';
import { PortableMigration } from './migration.ts';
import { openDatabase } from './index.ts';

let seen: { engine: string; uuid: string; timestamp: string } | undefined;

class Probe extends PortableMigration {
  override up(): void {
    seen = { engine: this.engine, uuid: this.types.uuid, timestamp: this.types.timestamp };
    this.addSql('select 1');
  }
}

describe('PortableMigration', () => {
  it('sees the column types of the engine it runs on', async () => {
    seen = undefined;
    const database = await openDatabase({ url: 'sqlite::memory:', entities: [], migrations: [{ name: '0001-probe', class: Probe }] });
    try {
      expect(await database.migrate()).to.deep.equal(['0001-probe']);
    } finally {
      await database.close();
    }
    expect(seen).to.deep.equal({ engine: 'sqlite', uuid: ENGINES.sqlite.columnTypes.uuid, timestamp: 'datetime' });
  });

  it('refuses to guess column types for a driver the template does not run', () => {
    const probe = new Probe({} as never, {} as never);
    expect(() => { probe.up(); }).to.throw(TypeError, 'does not support');
  });

  it('uses PostgreSQL types that keep the instant and the UUID natively', () => {
    expect(ENGINES.postgresql.columnTypes).to.include({ uuid: 'uuid', timestamp: 'timestamptz', json: 'jsonb', bytes: 'bytea' });
  });
});
