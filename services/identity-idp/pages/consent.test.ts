import { expect } from 'chai';
import { consentPage } from './consent.ts';

describe('the consent page', () => {
  it('says so when a client asks for no scopes, and escapes a hostile client name', () => {
    const page = consentPage({ clientName: '<img src=x>', username: 'alice', scopes: [], challenge: 'c', csrf: 't' }).text;
    expect(page).to.include('no scopes beyond signing you in');
    expect(page).to.include('&lt;img src=x&gt;').and.not.include('<img');
  });
});
