/**
 * Binds the command line to the current process: its arguments, streams, environment and
 * signals. Every `cryptoutil`-shaped executable (the real one, test builds) starts here.
 */
import type { ServiceDefinition } from '../service.ts';
import { releaseStartUpMemory } from '../server/start-up-memory.ts';
import { main, type CliCommand } from './main.ts';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Runs `main` for this process, with the services and any other commands, and exits with its code. */
export async function runProcess(services: readonly ServiceDefinition[], commands: Readonly<Record<string, CliCommand>> = {}): Promise<never> {
  const code = await main(process.argv.slice(2), {
    services,
    commands,
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    onSignal: (handler) => {
      for (const signal of SIGNALS) process.on(signal, handler);
      return () => { for (const signal of SIGNALS) process.off(signal, handler); };
    },
    started: releaseStartUpMemory,
  });
  // Explicit exit: a drained service must not linger on a telemetry or client handle.
  process.exit(code);
}
