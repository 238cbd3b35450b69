import { expect } from 'chai';
import { publicBaseUrl } from './context.ts';

describe('pki-ca public base URL', () => {
  it('is pki.publicUrl when set, else the listener URL, without trailing slashes', () => {
    expect(publicBaseUrl('https://ca.example.test//', () => 'https://127.0.0.1:1')()).to.equal('https://ca.example.test');
    let bound = 'https://127.0.0.1:8380/';
    const base = publicBaseUrl('', () => bound);
    expect(base()).to.equal('https://127.0.0.1:8380');
    bound = 'https://127.0.0.1:9999';
    expect(base()).to.equal('https://127.0.0.1:9999');
  });
});
