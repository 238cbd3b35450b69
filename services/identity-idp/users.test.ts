import { expect } from 'chai';
import { openDatabase } from '../template/database/index.ts';
import { createHashService } from '../template/hash/index.ts';
import { entities, IdpGroupMember, IdpUser } from './entities.ts';
import { migrations } from './migrations.ts';
import { ensureBootstrapAdmin } from './users.ts';

describe('identity-idp ensureBootstrapAdmin', () => {
  it('creates the admin in the admin group once, and sets the configured password at every start', async () => {
    const database = await openDatabase({ url: 'sqlite::memory:', entities: [...entities], migrations: [...migrations], poolMax: 1 });
    try {
      await database.migrate();
      const hash = await createHashService({ pepper: 'p'.repeat(32) });
      await ensureBootstrapAdmin(database.orm.em.fork(), hash, { username: 'admin', password: 'first password here' });
      await ensureBootstrapAdmin(database.orm.em.fork(), hash, { username: 'admin', password: 'second password here' });
      const em = database.orm.em.fork();
      const users = await em.find(IdpUser, {});
      expect(users.map((user) => [user.username, user.email])).to.deep.equal([['admin', 'admin@localhost']]);
      expect(await hash.lowEntropyRandom.verify('second password here', String(users[0]?.passwordHash))).to.equal(true);
      expect(await hash.lowEntropyRandom.verify('first password here', String(users[0]?.passwordHash))).to.equal(false);
      expect((await em.find(IdpGroupMember, {})).map((row) => row.groupName)).to.deep.equal(['admin']);
    } finally {
      await database.close();
    }
  });
});
