// @ts-nocheck
import { expect } from 'chai';
import type { DestinationStream } from 'pino';
import { createLogger, REDACTED_PATHS } from './logger.ts';

function capture(): { destination: DestinationStream; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } } };
}

describe('service logger', () => {
  it('writes one JSON object per line naming the service', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ level: 'info', service: 'learn-ps', destination });
    logger.info({ requestId: 'abc' }, 'hello');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ service: 'learn-ps', requestId: 'abc', msg: 'hello', level: 30, pid: process.pid });
    expect(lines[0]?.time).to.be.a('string').and.match(/^\d{4}-\d\d-\d\dT/);
  });

  it('honours the configured level', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ level: 'warn', service: 'sm-kms', destination });
    logger.info('dropped');
    logger.warn('kept');
    expect(lines.map((line) => line.msg)).to.deep.equal(['kept']);
  });

  it('redacts secrets at the top level and in the objects they travel in (defence in depth)', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ level: 'info', service: 'sm-kms', destination });
    logger.info({
      password: 'hunter2',
      req: { headers: { authorization: 'Bearer eyJ.secret.token', cookie: 'sid=s3cr3t', 'set-cookie': 'sid=s3cr3t', accept: 'application/json' } },
      barrier: { shares: ['share-one'], pepper: 'pepper-value' },
      body: { token: 'body-token' },
      client: { client_secret: 'cs', clientSecret: 'cs2', access_token: 'at', refreshToken: 'rt', privateKey: 'pk' },
    });
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2', 'eyJ.secret.token', 's3cr3t', 'share-one', 'pepper-value', '"cs"', '"cs2"', '"at"', '"rt"', '"pk"', 'body-token']) {
      expect(text).not.to.include(secret);
    }
    expect(lines[0]).to.have.nested.property('req.headers.accept', 'application/json');
    expect(lines[0]).to.have.nested.property('req.headers.authorization', '[redacted]');
  });

  it('uses explicit paths only, since wildcards slow every line down', () => {
    expect(REDACTED_PATHS).to.include.members(['["authorization"]', 'req.headers["authorization"]', 'barrier["pepper"]']);
    expect(REDACTED_PATHS.filter((path) => path.includes('*'))).to.deep.equal([]);
  });

  it('writes to stdout when no destination is given', () => {
    const logger = createLogger({ level: 'silent', service: 'learn-ps' });
    expect(logger.level).to.equal('silent');
  });
});
