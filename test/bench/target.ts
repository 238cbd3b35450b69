/**
 * Child process of the benchmark runner: starts one target, prints the request to repeat as one
 * JSON line, and stops cleanly on SIGTERM.
 */
import { loginTargets } from './login-target.ts';
import { targets } from './targets.ts';

const name = process.argv[2] ?? '';
const start = targets[name] ?? loginTargets[name];
if (start === undefined) {
  process.stderr.write(`unknown bench target "${name}"\n`);
  process.exit(2);
}
const started = await start();
process.stdout.write(`${JSON.stringify(started.request)}\n`);
process.once('SIGTERM', () => {
  void started.stop().then(() => process.exit(0));
});
