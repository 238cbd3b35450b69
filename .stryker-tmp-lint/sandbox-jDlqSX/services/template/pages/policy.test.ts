// @ts-nocheck
import { expect } from 'chai';
import { pagePolicy, scriptHashesOf } from './policy.ts';

describe('page Content-Security-Policy (CSP Level 3 form-action)', () => {
  it('lets forms post to this origin only, with no script, framing or base URI', () => {
    expect(pagePolicy()).to.equal("default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  });

  it('adds each form target once, and the own stylesheet when asked', () => {
    expect(pagePolicy({ formTargets: ['https://app.example', 'com.example.app:', 'https://app.example'], ownStylesheet: true }))
      .to.equal("default-src 'none'; style-src 'self'; form-action 'self' https://app.example com.example.app:; frame-ancestors 'none'; base-uri 'none'");
  });
});

describe('page policy script hashes', () => {
  it('names no script-src unless asked, none for an empty list, and each hash once', () => {
    expect(pagePolicy()).not.to.include('script-src');
    expect(pagePolicy({ scriptHashes: [] })).to.include("script-src 'none';");
    expect(pagePolicy({ scriptHashes: ["'sha256-AAAA'", "'sha256-AAAA'", "'sha256-B+/='"] })).to.include("script-src 'sha256-AAAA' 'sha256-B+/=';");
  });

  it('reads back only the sha256 sources of script-src', () => {
    expect(scriptHashesOf("default-src 'none'; script-src 'none' 'sha256-x/Y+z=' 'unsafe-inline';form-action 'self'")).to.deep.equal(["'sha256-x/Y+z='"]);
    expect(scriptHashesOf("default-src 'sha256-AAAA'")).to.deep.equal([]);
    expect(scriptHashesOf(undefined)).to.deep.equal([]);
  });
});
