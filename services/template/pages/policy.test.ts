import { expect } from 'chai';
import { pagePolicy } from './policy.ts';

describe('page Content-Security-Policy (CSP Level 3 form-action)', () => {
  it('lets forms post to this origin only, with no script, framing or base URI', () => {
    expect(pagePolicy()).to.equal("default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  });

  it('adds each form target once, and the own stylesheet when asked', () => {
    expect(pagePolicy({ formTargets: ['https://app.example', 'com.example.app:', 'https://app.example'], ownStylesheet: true }))
      .to.equal("default-src 'none'; style-src 'self'; form-action 'self' https://app.example com.example.app:; frame-ancestors 'none'; base-uri 'none'");
  });
});
