import { expect } from 'chai';
import { BadRequestError, ConflictError } from '../template/errors/index.ts';
import {
  assertMaterialUsable, assertOperation, assertUse, KEY_STATUSES, nextStatus, OPERATIONS, PENDING_DAYS, STATUS_REQUESTS, TRANSITIONS,
  type KeyOperation, type Transition,
} from './lifecycle.ts';

function thrown(work: () => void): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

const NEVER = { revokedMayDecrypt: false, revokedMayVerify: false };
const ALWAYS = { revokedMayDecrypt: true, revokedMayVerify: true };

describe('sm-kms key lifecycle (docs/sm-kms/key-states.md)', () => {
  it('is the state machine the docs describe, edge by edge and operation by operation', () => {
    expect(KEY_STATUSES).to.deep.equal(['active', 'disabled', 'pending_deletion', 'deleted']);
    expect(TRANSITIONS).to.deep.equal({
      disable: { from: ['active'], to: 'disabled' },
      enable: { from: ['disabled'], to: 'active' },
      schedule_deletion: { from: ['active', 'disabled'], to: 'pending_deletion' },
      cancel_deletion: { from: ['pending_deletion'], to: 'disabled' },
      delete: { from: ['pending_deletion'], to: 'deleted' },
    });
    expect(OPERATIONS).to.deep.equal({
      encrypt: { statuses: ['active'], use: 'enc', revokedMaterial: 'never' },
      decrypt: { statuses: ['active'], use: 'enc', revokedMaterial: 'revokedMayDecrypt' },
      sign: { statuses: ['active'], use: 'sig', revokedMaterial: 'never' },
      verify: { statuses: ['active'], use: 'sig', revokedMaterial: 'revokedMayVerify' },
      generate: { statuses: ['active'], use: 'enc', revokedMaterial: 'never' },
      rotate: { statuses: ['active'] },
      import: { statuses: ['active'] },
      revoke: { statuses: ['active', 'disabled', 'pending_deletion'] },
      update: { statuses: ['active', 'disabled'] },
    });
    expect(PENDING_DAYS).to.deep.equal({ min: 1, max: 30, default: 7 });
  });

  it('409 and 400 details name the status, the operation and what it needs', () => {
    expect((thrown(() => nextStatus('deleted', 'schedule_deletion')) as ConflictError).message)
      .to.equal('the elastic key is deleted; schedule_deletion needs active or disabled');
    expect((thrown(() => { assertOperation('deleted', 'revoke'); }) as ConflictError).message)
      .to.equal('the elastic key is deleted; revoke needs active or disabled or pending_deletion');
    expect((thrown(() => { assertUse('sig', 'decrypt'); }) as BadRequestError).message)
      .to.equal('the elastic key\'s algorithm is for signatures; it cannot decrypt');
    expect((thrown(() => { assertUse('enc', 'verify'); }) as BadRequestError).message)
      .to.equal('the elastic key\'s algorithm is for encryption; it cannot verify');
    expect((thrown(() => { assertMaterialUsable('revoked', 'sign', ALWAYS); }) as ConflictError).message)
      .to.equal('the material key is revoked; the elastic key does not allow it to sign');
  });

  it('applies each transition from exactly its starting statuses', () => {
    for (const [transition, rule] of Object.entries(TRANSITIONS) as [Transition, (typeof TRANSITIONS)[Transition]][]) {
      for (const status of KEY_STATUSES) {
        if (rule.from.includes(status)) {
          expect(nextStatus(status, transition), `${transition} from ${status}`).to.equal(rule.to);
        } else {
          const error = thrown(() => nextStatus(status, transition));
          expect(error, `${transition} from ${status}`).to.be.instanceOf(ConflictError);
          expect((error as ConflictError).message).to.include(status);
        }
      }
    }
  });

  it('deleted is final and cancelling a deletion lands on disabled', () => {
    expect(Object.values(TRANSITIONS).some((rule) => rule.from.includes('deleted'))).to.equal(false);
    expect(nextStatus('pending_deletion', 'cancel_deletion')).to.equal('disabled');
    expect(STATUS_REQUESTS).to.deep.equal({ active: 'enable', disabled: 'disable' });
  });

  it('only an active key does cryptography or gets new material; 409 names the status', () => {
    for (const operation of ['encrypt', 'decrypt', 'sign', 'verify', 'generate', 'rotate', 'import'] as KeyOperation[]) {
      expect(thrown(() => { assertOperation('active', operation); })).to.equal(undefined);
      for (const status of ['disabled', 'pending_deletion', 'deleted'] as const) {
        const error = thrown(() => { assertOperation(status, operation); });
        expect(error).to.be.instanceOf(ConflictError);
        expect((error as ConflictError).message).to.include(`is ${status}`);
      }
    }
    expect(thrown(() => { assertOperation('pending_deletion', 'revoke'); })).to.equal(undefined);
    expect(thrown(() => { assertOperation('deleted', 'revoke'); })).to.be.instanceOf(ConflictError);
    expect(thrown(() => { assertOperation('pending_deletion', 'update'); })).to.be.instanceOf(ConflictError);
  });

  it('refuses the other use with 400 and lets operations without a use through', () => {
    expect(thrown(() => { assertUse('enc', 'encrypt'); })).to.equal(undefined);
    expect(thrown(() => { assertUse('sig', 'verify'); })).to.equal(undefined);
    const signing = thrown(() => { assertUse('sig', 'encrypt'); });
    expect(signing).to.be.instanceOf(BadRequestError);
    expect((signing as BadRequestError).message).to.include('signatures');
    expect((thrown(() => { assertUse('enc', 'sign'); }) as BadRequestError).message).to.include('encryption');
    expect(thrown(() => { assertUse('sig', 'rotate'); })).to.equal(undefined);
  });

  it('a revoked material key never encrypts, signs or wraps; decrypt and verify follow the policy', () => {
    for (const operation of Object.keys(OPERATIONS) as KeyOperation[]) {
      expect(thrown(() => { assertMaterialUsable('active', operation, NEVER); })).to.equal(undefined);
    }
    for (const operation of ['encrypt', 'sign', 'generate', 'rotate'] as KeyOperation[]) {
      expect(thrown(() => { assertMaterialUsable('revoked', operation, ALWAYS); })).to.be.instanceOf(ConflictError);
    }
    expect(thrown(() => { assertMaterialUsable('revoked', 'decrypt', ALWAYS); })).to.equal(undefined);
    expect(thrown(() => { assertMaterialUsable('revoked', 'verify', ALWAYS); })).to.equal(undefined);
    expect(thrown(() => { assertMaterialUsable('revoked', 'decrypt', NEVER); })).to.be.instanceOf(ConflictError);
    expect(thrown(() => { assertMaterialUsable('revoked', 'verify', NEVER); })).to.be.instanceOf(ConflictError);
    expect(thrown(() => { assertMaterialUsable('revoked', 'verify', { revokedMayDecrypt: true, revokedMayVerify: false }); })).to.be.instanceOf(ConflictError);
    expect(thrown(() => { assertMaterialUsable('revoked', 'decrypt', { revokedMayDecrypt: true, revokedMayVerify: false }); })).to.equal(undefined);
  });
});
