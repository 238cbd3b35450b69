import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { services } from './registry.ts';
import { freePort, freePortOffset } from './template/testing/ports.ts';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

interface Run { code: number | null; stdout: string; stderr: string }

function run(args: readonly string[], onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('exit', (code) => { resolve({ code, stdout, stderr }); });
  });
}

describe('the cryptoutil executable', () => {
  it('lists the services of this build in DESIGN order', () => {
    const order = ['sm-kms', 'identity-authz', 'identity-idp', 'identity-rs', 'identity-rp', 'identity-spa', 'jose-ja', 'pki-ca', 'learn-ps'];
    const names = services.map((service) => service.name);
    expect(names).to.deep.equal(order.filter((name) => names.includes(name)));
  });

  it('answers an exec probe through the probe path alone: exit 1 when nothing listens on the admin port', async () => {
    const port = String(await freePort());
    const child = spawn(process.execPath, [cli, 'sm-kms', 'livez'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CRYPTOUTIL_ADMIN_PORT: port } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => { child.on('exit', resolve); });
    expect(code).to.equal(1);
    expect(stderr).to.not.equal('');
  });

  it('prints help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('cryptoutil up [--data-dir DIR] [--port-offset N] [--config F.yml]...');
  });

  it('runs the operator command it adds beside the services, loading the operator only then', async () => {
    const result = await run(['operator', '--help']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('Usage: cryptoutil operator <action>');
    const bad = await run(['operator', 'stop']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal('cryptoutil: unknown action "stop" for operator; actions: start, livez, readyz\n');
  });

  it('exits 2 on bad usage with a message on stderr', async () => {
    const result = await run(['no-such-service', 'start']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^cryptoutil: unknown command or service "no-such-service"/);
  });

  it('runs up until SIGINT and exits 0, beside a suite on the fixed ports', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'cryptoutil-exe-')), 'data');
    const offset = await freePortOffset(services.flatMap((service) => [service.publicPort, service.upAdminPort]));
    const result = await run(['up', '--data-dir', dataDir, '--port-offset', String(offset)], (stdout, kill) => {
      if (stdout.includes('Press Ctrl-C to stop.') && !stdout.includes('stopping')) kill('SIGINT');
    });
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('stopped').and.include(`https://127.0.0.1:${String(8080 + offset)}`).and.include(`https://127.0.0.1:${String(9090 + offset)}`);
    const credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { services: Record<string, unknown> };
    expect(credentials.services['jose-ja']).to.deep.equal({ url: `https://127.0.0.1:${String(8280 + offset)}`, admin_url: `https://127.0.0.1:${String(9096 + offset)}` });
  });
});
