// @ts-nocheck
import { expect } from 'chai';
import { UsageError } from '../errors/index.ts';
import { maskDatabaseUrl, parseDatabaseUrl } from './url.ts';

function refusal(url: string): UsageError {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    if (error instanceof UsageError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('database.url (DESIGN "Configuration")', () => {
  describe('sqlite:', () => {
    it('takes everything after the scheme as the file path, relative or absolute', () => {
      expect(parseDatabaseUrl('sqlite:.cryptoutil/learn-ps.sqlite')).to.deep.equal({ kind: 'sqlite', path: '.cryptoutil/learn-ps.sqlite' });
      expect(parseDatabaseUrl('sqlite:/var/lib/cryptoutil/kms.sqlite')).to.deep.equal({ kind: 'sqlite', path: '/var/lib/cryptoutil/kms.sqlite' });
    });

    it('accepts sqlite::memory:', () => {
      expect(parseDatabaseUrl('sqlite::memory:')).to.deep.equal({ kind: 'sqlite', path: ':memory:' });
    });

    it('refuses an empty path, naming the key', () => {
      expect(refusal('sqlite:').message).to.contain('database.url');
      expect(refusal('sqlite:').exitCode).to.equal(2);
    });
  });

  describe('postgres://', () => {
    it('keeps the URL for the driver and the database name apart', () => {
      expect(parseDatabaseUrl('postgres://kms:s3cret@db.internal:5433/sm_kms')).to.deep.equal({
        kind: 'postgresql',
        clientUrl: 'postgres://kms:s3cret@db.internal:5433/sm_kms',
        dbName: 'sm_kms',
      });
    });

    it('accepts the postgresql:// spelling and percent-encoded names', () => {
      expect(parseDatabaseUrl('postgresql://u@localhost/my%20db')).to.include({ kind: 'postgresql', dbName: 'my db' });
    });

    for (const [label, url] of [
      ['no database', 'postgres://kms:s3cret@db.internal:5432'],
      ['an empty database', 'postgres://kms:s3cret@db.internal:5432/'],
      ['a nested path', 'postgres://kms:s3cret@db.internal/a/b'],
      ['query parameters the ORM would drop', 'postgres://kms:s3cret@db.internal/kms?sslmode=require'],
      ['a fragment', 'postgres://kms:s3cret@db.internal/kms#x'],
      ['no host', 'postgres:///kms'],
      ['no host but a password', 'postgres://:s3cret@/kms'],
    ] as const) {
      it(`refuses ${label}, naming the key and masking the password`, () => {
        const error = refusal(url);
        expect(error.message).to.contain('database.url');
        expect(error.message).to.not.contain('s3cret');
      });
    }
  });

  it('refuses any other scheme without echoing the URL', () => {
    const error = refusal('mysql://root:s3cret@db/app');
    expect(error.message).to.contain('database.url').and.contain('"mysql:"');
    expect(error.message).to.not.contain('s3cret');
  });

  it('refuses a string that is not a URL, masking what looks like a password', () => {
    const error = refusal('postgres://kms:s3cret@db internal/kms');
    expect(error.message).to.contain('database.url').and.contain('kms:***@');
    expect(error.message).to.not.contain('s3cret');
    expect(refusal('').message).to.contain('database.url');
  });

  describe('maskDatabaseUrl', () => {
    it('replaces the password and keeps the rest', () => {
      expect(maskDatabaseUrl('postgres://kms:s3cret@db:5432/kms')).to.equal('postgres://kms:***@db:5432/kms');
    });

    it('masks a password holding unencoded @ and / characters', () => {
      expect(maskDatabaseUrl('postgres://kms:a@b/c@db/kms')).to.equal('postgres://kms:***@db/kms');
    });

    it('leaves URLs without a password alone', () => {
      expect(maskDatabaseUrl('postgres://kms@db/kms')).to.equal('postgres://kms@db/kms');
      expect(maskDatabaseUrl('sqlite:/tmp/x.sqlite')).to.equal('sqlite:/tmp/x.sqlite');
    });
  });
});
