#!/usr/bin/env node
/**
 * The `cryptoutil` executable: binds the command line to this process's streams, environment
 * and signals. Everything testable lives in `template/cli/main.ts`.
 */
import { main } from './template/cli/main.ts';
import { services } from './registry.ts';

const signals = ['SIGTERM', 'SIGINT'] as const;

const code = await main(process.argv.slice(2), {
  services,
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (handler) => {
    for (const signal of signals) process.on(signal, handler);
    return () => { for (const signal of signals) process.off(signal, handler); };
  },
});
// Explicit exit: a drained service must not linger on a telemetry or client handle.
process.exit(code);
