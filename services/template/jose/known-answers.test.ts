import { expect } from 'chai';
import { decrypt } from './jwe.ts';
import { sign, verify } from './jws.ts';
import { importKeyMaterial, prepareKey } from './key-material.ts';
import { resolveAlgorithm } from './table.ts';

/** RFC 7520 §4.4: HMAC-SHA2 integrity protection (HS256); the JWS is deterministic, header exactly ours. */
const RFC7520_4_4 = {
  jwk: { kty: 'oct', kid: '018c0ae5-4d9b-471b-bfd6-eef314bc7037', use: 'sig', alg: 'HS256', k: 'hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg' },
  payload: 'It\u2019s a dangerous business, Frodo, going out your door. You step onto the road, and if you don\'t keep your feet, there\u2019s no knowing where you might be swept off to.',
  compact:
    'eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9' +
    '.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4' +
    '.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0',
};

/** RFC 7520 §5.8: key wrap with AES key wrap and AES-GCM (A128KW, A128GCM), the native JWE path. */
const RFC7520_5_8 = {
  jwk: { kty: 'oct', kid: '81b20965-8332-43d9-a468-82160ad91ac8', use: 'enc', alg: 'A128KW', k: 'GZy6sIZ6wl9NJOKB-jnmVQ' },
  plaintext:
    'You can trust us to stick with you through thick and thin\u2013to the bitter end. And you can trust us to keep any secret of yours\u2013closer than you keep it yourself. But you cannot trust us to let you face trouble alone, and go off without a word. We are your friends, Frodo.',
  compact:
    'eyJhbGciOiJBMTI4S1ciLCJraWQiOiI4MWIyMDk2NS04MzMyLTQzZDktYTQ2OC04MjE2MGFkOTFhYzgiLCJlbmMiOiJBMTI4R0NNIn0' +
    '.CBI6oDw8MydIx1IBntf_lQcw2MmJKIQx' +
    '.Qx0pmsDa8KnJc9Jo' +
    '.AwliP-KmWgsZ37BvzCefNen6VTbRK3QMA4TkvRkH0tP1bTdhtFJgJxeVmJkLD61A1hnWGetdg11c9ADsnWgL56NyxwSYjU1ZEHcGkd3EkU0vjHi9gTlb90qSYFfeF0LwkcTtjbYKCsiNJQkcIp1yeM03OmuiYSoYJVSpf7ej6zaYcMv3WwdxDFl8REwOhNImk2Xld2JXq6BR53TSFkyT7PwVLuq-1GwtGHlQeg7gDT6xW0JqHDPn_H-puQsmthc9Zg0ojmJfqqFvETUxLAF-KjcBTS5dNy6egwkYtOt8EIHK-oEsKYtZRaa8Z7MOZ7UGxGIMvEmxrGCPeJa14slv2-gaqK0kEThkaSqdYw0FkQZF' +
    '.ER7MWJZ1FBI_NKvn7Zb1Lw',
};

describe('sm-kms known answers (RFC 7520 JOSE cookbook)', () => {
  it('§4.4: HS256 signs to exactly the published JWS and verifies it', async () => {
    const row = resolveAlgorithm('HS256');
    const key = prepareKey(row, await importKeyMaterial(row, RFC7520_4_4.jwk, RFC7520_4_4.jwk.kid));
    expect(await sign(key, Buffer.from(RFC7520_4_4.payload, 'utf8'))).to.equal(RFC7520_4_4.compact);
    expect(await verify(key, RFC7520_4_4.compact)).to.equal(true);
  });

  it('§5.8: A128KW with A128GCM decrypts the published JWE natively', async () => {
    const row = resolveAlgorithm('A128GCM/A128KW');
    const key = prepareKey(row, await importKeyMaterial(row, RFC7520_5_8.jwk, RFC7520_5_8.jwk.kid));
    expect(Buffer.from(await decrypt(key, RFC7520_5_8.compact)).toString('utf8')).to.equal(RFC7520_5_8.plaintext);
  });
});
