/**
 * `node test/bench/probe.ts [N]`: runs `cryptoutil sm-kms livez` N times (default 20) against a tiny
 * HTTPS server answering like the admin endpoint, once through the probe fast path and once
 * through the full command line, and prints one JSON line: wall ms (p50, max) and peak resident
 * memory (MB, from `/usr/bin/time -f %M`) of each. `PROBE_CLI=dist/services/cli.js` measures a build.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testTlsMaterial } from '../../services/template/testing/tls.ts';

interface Figures {
  readonly p50Ms: number;
  readonly maxMs: number;
  readonly maxRssMb: number;
}

const KB_PER_MB = 1024;
const runs = Number(process.argv[2] ?? '20');
const fastCli = resolve(process.env.PROBE_CLI ?? fileURLToPath(new URL('../../services/cli.ts', import.meta.url)));
const fullCli = fileURLToPath(new URL('./probe-full.ts', import.meta.url));

/** One probe under `/usr/bin/time`: wall milliseconds and peak resident kilobytes. */
function once(cli: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; rssKb: number }> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'sm-kms', 'livez'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((done, fail) => {
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) { fail(new Error(`probe exited ${String(code)}: ${stderr}`)); return; }
      done({ ms, rssKb: Number(stderr.trim().split('\n').at(-1)) });
    });
  });
}

async function measure(cli: string, env: NodeJS.ProcessEnv): Promise<Figures> {
  const samples: { ms: number; rssKb: number }[] = [];
  // Sequential: a kubelet runs one probe at a time per container, and parallel runs would share the cores.
  for (let index = 0; index < runs; index += 1) samples.push(await once(cli, env));
  const times = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  return {
    p50Ms: Math.round(times[Math.floor(times.length / 2)] ?? 0),
    maxMs: Math.round(times.at(-1) ?? 0),
    maxRssMb: Math.round(Math.max(...samples.map((sample) => sample.rssKb)) / KB_PER_MB),
  };
}

const material = await testTlsMaterial();
const server = https.createServer({ cert: material.cert, key: material.key, minVersion: 'TLSv1.3' }, (_request, response) => {
  response.end('{"status":"alive"}');
});
await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
const dir = await mkdtemp(join(tmpdir(), 'probe-bench-'));
await writeFile(join(dir, 'ca.pem'), material.ca);
const env = { ...process.env, CRYPTOUTIL_ADMIN_PORT: String((server.address() as AddressInfo).port), CRYPTOUTIL_TLS_CAFILE: join(dir, 'ca.pem'), CRYPTOUTIL_DATADIR: dir };
try {
  const before = await measure(fullCli, env);
  const after = await measure(fastCli, env);
  process.stdout.write(`${JSON.stringify({ runs, cli: fastCli, before, after })}\n`);
} finally {
  server.close();
}
