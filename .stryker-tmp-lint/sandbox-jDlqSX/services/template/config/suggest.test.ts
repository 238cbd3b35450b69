// @ts-nocheck
import { expect } from 'chai';
import { closest, editDistance } from './suggest.ts';

describe('configuration "did you mean"', () => {
  describe('editDistance (optimal string alignment)', () => {
    it('counts insertions, deletions and substitutions', () => {
      expect(editDistance('', '')).to.equal(0);
      expect(editDistance('', 'abc')).to.equal(3);
      expect(editDistance('abc', '')).to.equal(3);
      expect(editDistance('database', 'databse')).to.equal(1);
      expect(editDistance('port', 'ports')).to.equal(1);
      expect(editDistance('level', 'lever')).to.equal(1);
      expect(editDistance('kitten', 'sitting')).to.equal(3);
    });

    it('counts a swap of two neighbours as one edit', () => {
      expect(editDistance('public', 'pubilc')).to.equal(1);
      expect(editDistance('ab', 'ba')).to.equal(1);
      expect(editDistance('abc', 'acb')).to.equal(1);
    });
  });

  describe('closest', () => {
    const keys = ['public.port', 'public.address', 'admin.port', 'database.url', 'log.level', 'tls.caFile'];

    it('suggests the key one or two edits away', () => {
      expect(closest('publik.port', keys)).to.equal('public.port');
      expect(closest('databse.url', keys)).to.equal('database.url');
      expect(closest('admin.prot', keys)).to.equal('admin.port');
      expect(closest('tls.cafile', keys)).to.equal('tls.caFile');
    });

    it('prefers the nearer of two candidates, and the first of equals', () => {
      expect(closest('admin.pord', ['admin.porch', 'admin.port'])).to.equal('admin.port');
      expect(closest('abcd.xy', ['abcd.xa', 'abcd.xb'])).to.equal('abcd.xa');
    });

    it('suggests nothing for a name that is no near miss', () => {
      expect(closest('verbose', keys)).to.equal(undefined);
      expect(closest('databasex.urlxyz', keys)).to.equal(undefined);
      expect(closest('x', ['y'])).to.equal(undefined);
      expect(closest('db', ['tls'])).to.equal(undefined);
      expect(closest('public.port', [])).to.equal(undefined);
    });

    it('allows at most a third of a short name to differ', () => {
      expect(closest('tsl', ['tls'])).to.equal('tls');
      expect(closest('ab', ['ba'])).to.equal(undefined);
    });
  });
});
