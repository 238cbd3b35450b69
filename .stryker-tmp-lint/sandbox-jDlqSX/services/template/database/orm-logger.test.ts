// @ts-nocheck
import { expect } from 'chai';
import type { Logger } from '@mikro-orm/core';
import { pino } from 'pino';
import { OrmLogger } from './orm-logger.ts';

/** Seen through the ORM's own interface, as MikroORM calls it. */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
  return { logger: new OrmLogger(log), lines };
}

describe('ORM logging (DESIGN: no SQL reaches a log line)', () => {
  it('forwards the ORM warnings and errors with their namespace', () => {
    const { logger, lines } = capture();
    logger.warn('info', 'PostgreSQL pool error: connection terminated');
    logger.error('query', 'something broke');
    expect(lines.map(({ level, namespace, msg, component }) => ({ level, namespace, msg, component }))).to.deep.equal([
      { level: 40, namespace: 'info', msg: 'PostgreSQL pool error: connection terminated', component: 'orm' },
      { level: 50, namespace: 'query', msg: 'something broke', component: 'orm' },
    ]);
  });

  it('never writes queries or debug chatter, and says every namespace is off', () => {
    const { logger, lines } = capture();
    logger.logQuery({ query: "update keys set secret = 'x'", params: ['x'], level: 'error' });
    logger.log('discovery', 'found 3 entities');
    logger.setDebugMode(true);
    logger.logQuery({ query: 'select 1' });
    expect(lines).to.deep.equal([]);
    for (const namespace of ['query', 'query-params', 'slow-query', 'info', 'deprecated'] as const) {
      expect(logger.isEnabled(namespace)).to.equal(false);
    }
  });

  it('stays silent without a logger', () => {
    const logger: Logger = new OrmLogger();
    logger.warn('info', 'nobody listens');
    logger.error('info', 'nobody listens');
    expect(logger.isEnabled('query')).to.equal(false);
  });
});
