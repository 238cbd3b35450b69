import { expect } from 'chai';
import { errors, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose';
import { IssuerKeys } from './issuer-keys.ts';

const UNKNOWN_KID: JWSHeaderParameters = { alg: 'ES256', kid: 'unknown' };
const TOKEN: FlattenedJWSInput = { protected: '', payload: '', signature: '' };

describe('issuer keys (JWKS refetch by age and by unknown kid)', () => {
  let clock: number;
  let fetches: number;
  let down: boolean;

  function keys(): IssuerKeys {
    return new IssuerKeys({
      jwksUri: () => Promise.resolve('https://issuer.example/jwks'),
      fetchJson: () => {
        fetches += 1;
        return down ? Promise.reject(new Error('issuer down')) : Promise.resolve({ keys: [] });
      },
      now: () => clock,
      refreshCooldownMs: 1_000,
      maxAgeMs: 5_000,
    });
  }

  beforeEach(() => {
    clock = 1_000_000;
    fetches = 0;
    down = false;
  });

  it('refetches once the set has reached its maximum age, to the millisecond, and keeps the old set while the issuer is down', async () => {
    const issuerKeys = keys();
    const first = await issuerKeys.current();
    clock += 4_999;
    expect(await issuerKeys.current()).to.equal(first);
    expect(fetches).to.equal(1);
    clock += 1;
    down = true;
    expect(await issuerKeys.current()).to.equal(first);
    expect(fetches).to.equal(2);
  });

  it('refetches on an unknown kid once the cooldown has passed, to the millisecond', async () => {
    const issuerKeys = keys();
    await issuerKeys.current();
    clock += 999;
    expect(await issuerKeys.resolve(UNKNOWN_KID, TOKEN).catch((error: unknown) => error)).to.be.instanceOf(errors.JWKSNoMatchingKey);
    expect(fetches).to.equal(1);
    clock += 1;
    expect(await issuerKeys.resolve(UNKNOWN_KID, TOKEN).catch((error: unknown) => error)).to.be.instanceOf(errors.JWKSNoMatchingKey);
    expect(fetches).to.equal(2);
  });

  it('answers a failed first load again for a second without fetching, then tries again', async () => {
    const issuerKeys = keys();
    down = true;
    const first = await issuerKeys.current().catch((error: unknown) => error);
    expect(first).to.be.instanceOf(Error).with.property('message', 'issuer down');
    clock += 999;
    const again = await Promise.all([issuerKeys.current(), issuerKeys.resolve(UNKNOWN_KID, TOKEN)].map(async (call) => call.catch((error: unknown) => error)));
    expect(again).to.deep.equal([first, first]);
    expect(fetches).to.equal(1);
    clock += 1;
    down = false;
    // Both join the one new fetch (the old failure is not answered while it runs).
    const [one, two] = await Promise.all([issuerKeys.current(), issuerKeys.current()]);
    expect(one).to.equal(two);
    expect(fetches).to.equal(2);
    down = true;
    clock += 5_000;
    await issuerKeys.current();
    expect(fetches).to.equal(3);
  });
});
