import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { UsageError } from '../services/template/errors/index.ts';
import type { CliContext } from '../services/template/cli/main.ts';
import { COMMAND_SYNOPSIS } from '../services/template/cli/help.ts';
import { OPERATOR_PROBE_DEFAULTS } from '../services/template/cli/probe.ts';
import { OPERATOR_ADMIN_PORT, OPERATOR_DATA_DIR } from './main.ts';
import { unreachableKubeconfig } from './testing/kubeconfig.ts';
import { freePort } from '../services/template/testing/ports.ts';
import { operatorActions, runOperatorCommand } from './command.ts';

interface Captured {
  readonly context: CliContext;
  readonly out: string[];
  readonly err: string[];
  signal(name: string): void;
}

function captured(env: Record<string, string> = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  let handler: ((signal: string) => void) | undefined;
  return {
    out,
    err,
    context: {
      services: [],
      env,
      stdout: (text) => { out.push(text); },
      stderr: (text) => { err.push(text); },
      onSignal: (next) => { handler = next; return () => { handler = undefined; }; },
    },
    signal: (name) => { handler?.(name); },
  };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('cryptoutil operator', () => {
  it('the exec probe fast path, which never loads the operator, uses the operator\'s own admin port and data directory', () => {
    expect(OPERATOR_PROBE_DEFAULTS).to.deep.equal({ port: OPERATOR_ADMIN_PORT, dataDir: OPERATOR_DATA_DIR });
  });

  it('every action appears in the synopsis of cryptoutil --help', () => {
    const synopsis = COMMAND_SYNOPSIS.join('\n');
    for (const action of Object.keys(operatorActions)) expect(synopsis, action).to.match(new RegExp(`cryptoutil operator [a-z|]*\\b${action}\\b`, 'u'));
  });

  it('prints help with no action, --help or -h', async () => {
    for (const args of [[], ['--help'], ['-h'], ['start', '--help']]) {
      const cli = captured();
      expect(await runOperatorCommand(args, cli.context)).to.equal(0);
      expect(cli.out.join('')).to.include('Usage: cryptoutil operator <action>');
      expect(cli.out.join('')).to.include('readyz  exit 0 when the operator admin readyz endpoint answers 200');
    }
  });

  it('rejects unknown actions, unknown options and bad ports as usage errors', async () => {
    for (const [args, message] of [
      [['stop'], 'unknown action "stop" for operator; actions: start, livez, readyz'],
      [['start', '--nope'], "Unknown option '--nope'"],
      [['livez', '--admin-port', 'x'], '--admin-port must be a port number'],
      [['livez', '--admin-port', '70000'], '--admin-port must be a port number'],
    ] as const) {
      const error = await runOperatorCommand(args, captured().context).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.include(message);
    }
  });

  it('fails a probe when nothing listens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-cli-'));
    const cli = captured();
    expect(await runOperatorCommand(['livez', '--data-dir', dir], cli.context)).to.equal(1);
    expect(cli.err.join('')).to.include('operator admin endpoint not reachable');
  });

  it('starts, answers livez, is not ready without an API server, and stops on a signal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-cli-'));
    const kubeconfig = await unreachableKubeconfig(dir);
    const port = String(await freePort());
    const flags = ['--data-dir', dir, '--admin-port', port];
    const env = { CRYPTOUTIL_LOG_LEVEL: 'silent', POD_NAMESPACE: 'ops', POD_NAME: 'pod-a', CRYPTOUTIL_IMAGE: 'example/cryptoutil:1', CRYPTOUTIL_ALLOWED_IMAGES: 'example/', CRYPTOUTIL_POSTGRES_IMAGE: 'postgres:16-alpine', CRYPTOUTIL_OPERATOR_RESOLVE: 'demo-pki-ca.ops.svc:8380=127.0.0.1:18380', CRYPTOUTIL_WATCH_NAMESPACES: 'team-a, team-b', CRYPTOUTIL_LEADER_ELECTION_NAMESPACE: 'cryptoutil-system' };
    const server = captured(env);
    const started = runOperatorCommand(['start', '--kubeconfig', kubeconfig, ...flags], server.context);
    await until(() => server.out.length > 0);
    expect(server.out.join('')).to.include(`operator started (admin https://127.0.0.1:${port})`);
    const live = captured();
    expect(await runOperatorCommand(['livez', ...flags], live.context)).to.equal(0);
    expect(live.out.join('')).to.include('alive');
    expect(await runOperatorCommand(['readyz', ...flags], captured().context)).to.equal(1);
    server.signal('SIGTERM');
    expect(await started).to.equal(0);
  });

  it('falls back to KUBECONFIG and the host name without flags or pod environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-cli-'));
    const noisy = await runOperatorCommand(['start', '--data-dir', dir], captured({ CRYPTOUTIL_LOG_LEVEL: 'loud' }).context).catch((caught: unknown) => caught);
    expect(noisy).to.be.instanceOf(UsageError);
    const unresolvable = await runOperatorCommand(['start', '--data-dir', dir], captured({ CRYPTOUTIL_OPERATOR_RESOLVE: 'demo-pki-ca.ops.svc=127.0.0.1' }).context).catch((caught: unknown) => caught);
    expect(unresolvable).to.be.instanceOf(UsageError);
    expect((unresolvable as Error).message).to.equal('CRYPTOUTIL_OPERATOR_RESOLVE: "demo-pki-ca.ops.svc=127.0.0.1" is not host:port=address:port');
    const badNamespace = await runOperatorCommand(['start', '--data-dir', dir], captured({ CRYPTOUTIL_WATCH_NAMESPACES: 'team-a,Team_B' }).context).catch((caught: unknown) => caught);
    expect(badNamespace).to.be.instanceOf(UsageError);
    expect((badNamespace as Error).message).to.equal('CRYPTOUTIL_WATCH_NAMESPACES: "Team_B" is not a namespace name');
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = await unreachableKubeconfig(dir);
    try {
      const port = String(await freePort());
      const server = captured();
      const started = runOperatorCommand(['start', '--data-dir', dir, '--admin-port', port], server.context);
      await until(() => server.out.length > 0);
      server.signal('SIGINT');
      expect(await started).to.equal(0);
    } finally {
      if (saved === undefined) {
        delete process.env.KUBECONFIG;
      } else {
        process.env.KUBECONFIG = saved;
      }
    }
  });
});
