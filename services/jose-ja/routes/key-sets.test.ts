import { expect } from 'chai';
import { InternalError } from '../../template/errors/index.ts';
import type { OperationContext } from '../../template/service.ts';
import { actorOf } from './key-sets.ts';

describe('jose-ja key-set handlers', () => {
  it('take the actor from the verified token, and treat a missing principal as a template bug (500)', () => {
    const principal = { subject: 'svc', clientId: 'svc', kind: 'service', scopes: new Set<string>(), expiresAt: 0 } as const;
    expect(actorOf({ state: { principal } } as unknown as OperationContext)).to.deep.equal({ subject: 'svc', clientId: 'svc' });
    expect(() => actorOf({ state: {} } as unknown as OperationContext)).to.throw(InternalError);
  });
});
