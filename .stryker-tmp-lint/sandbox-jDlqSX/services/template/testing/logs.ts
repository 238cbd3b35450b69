/** A pino logger whose lines a test reads back, as written and as parsed records. */
// @ts-nocheck

import { Writable } from 'node:stream';
import pino, { type Level, type Logger } from 'pino';

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line as written (JSON text). */
  readonly lines: string[];
  /** The same lines, parsed. */
  readonly records: () => Record<string, unknown>[];
}

export function captureLogs(level: Level = 'info'): CapturedLogs {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
  return { logger: pino({ level }, stream), lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
