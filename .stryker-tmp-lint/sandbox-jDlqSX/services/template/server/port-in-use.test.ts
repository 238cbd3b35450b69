// @ts-nocheck
import { expect } from 'chai';
import { PortInUseError, explainBindFailure, startRemedy } from './port-in-use.ts';

describe('a taken port names what moves it', () => {
  const taken = { service: 'learn-ps', listener: 'admin', address: '127.0.0.1', port: 9090 } as const;

  it('turns EADDRINUSE into a PortInUseError naming the key and the variable, keeping the code and the cause', () => {
    const cause = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const explained = explainBindFailure(cause, taken);
    expect(explained).to.be.instanceOf(PortInUseError);
    expect(explained).to.include({ code: 'EADDRINUSE', cause, taken });
    expect((explained as Error).message).to.equal('learn-ps: admin port 9090 on 127.0.0.1 is already in use (EADDRINUSE); set admin.port (or CRYPTOUTIL_ADMIN_PORT) to move it');
    expect(startRemedy('public')).to.equal('set public.port (or CRYPTOUTIL_PUBLIC_PORT) to move it');
  });

  it('passes every other failure through unchanged', () => {
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect(explainBindFailure(denied, taken)).to.equal(denied);
    expect(explainBindFailure(undefined, taken)).to.equal(undefined);
    expect(explainBindFailure('odd', taken)).to.equal('odd');
  });
});
