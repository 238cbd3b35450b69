/**
 * `node test/bench/profile-summary.ts <file.cpuprofile> [--last-seconds N] [--top N]`: where a
 * benchmarked server spent its CPU, from the V8 profile `BENCH_PROFILE` writes. Start-up is left out
 * by looking only at the last N seconds (the measured run); idle samples are left out, so each share
 * is of the time the main thread was busy.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** The `.cpuprofile` format written by `node --cpu-prof` (Chrome DevTools Protocol `Profiler.Profile`). */
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** Microseconds between consecutive samples. */
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'last-seconds': { type: 'string', default: '0' }, top: { type: 'string', default: '25' } },
});
const [file] = positionals;
if (file === undefined) {
  process.stderr.write('usage: node test/bench/profile-summary.ts <file.cpuprofile> [--last-seconds N] [--top N]\n');
  process.exit(2);
}
const lastMicros = Number(values['last-seconds']) * 1e6;
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const root = new URL('../../', import.meta.url).href;

/** A dependency is named by its package; our own code by its folder; V8 and native code by function. */
function owner({ url, functionName }: CallFrame): string {
  if (url === '') return `(native) ${functionName}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency?.[1] !== undefined) return dependency[1];
  if (url.startsWith('node:')) return 'node core';
  return url.replace(root, '').split('/').slice(0, -1).join('/');
}

function place({ url, functionName, lineNumber }: CallFrame): string {
  const where = url.replace(root, '').replace(/^.*node_modules\//, '');
  return `${functionName === '' ? '(anonymous)' : functionName} ${where}${where === '' ? '' : `:${String(lineNumber + 1)}`}`;
}

const total = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
const byOwner = new Map<string, number>();
const byFunction = new Map<string, number>();
let busy = 0;
let elapsed = 0;
profile.samples.forEach((id, index) => {
  elapsed += profile.timeDeltas[index] ?? 0;
  const node = nodes.get(id);
  if (node === undefined || node.callFrame.functionName === '(idle)') return;
  if (lastMicros > 0 && elapsed < total - lastMicros) return;
  busy += 1;
  const ownerName = owner(node.callFrame);
  byOwner.set(ownerName, (byOwner.get(ownerName) ?? 0) + 1);
  const name = place(node.callFrame);
  byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
});

function print(title: string, counts: ReadonlyMap<string, number>): void {
  process.stdout.write(`\n${title}\n`);
  for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    // V8 names a regular expression's compiled code after its source, which can be very long.
    process.stdout.write(`${((100 * count) / busy).toFixed(1).padStart(6)}%  ${name.slice(0, 120)}\n`);
  }
}

process.stdout.write(`${String(busy)} busy samples\n`);
print('self time by package or folder', byOwner);
print('self time by function', byFunction);
