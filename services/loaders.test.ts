import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { servicesFor } from './loaders.ts';
import { services } from './registry.ts';
import { resourceServers } from './authz-definition.ts';

const run = promisify(execFile);

/** The service modules a fresh process loads when a command line names `command`. */
async function serviceModulesLoaded(command: string): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      const match = /\\/services\\/([a-z-]+)\\/index\\.ts$/.exec(resolved.url);
      if (match) seen.add(match[1]);
      return resolved;
    } });
    const { servicesFor } = await import(${JSON.stringify(new URL('./loaders.ts', import.meta.url).href)});
    await servicesFor(${JSON.stringify(command)});
    process.stdout.write(JSON.stringify([...seen].sort()));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as string[];
}

describe('loading only the service a command names', function () {
  this.timeout(20_000);

  it('gives a service that stands alone by itself, and everything to up, help and unknown names', async () => {
    expect(await servicesFor('operator')).to.deep.equal([]);
    for (const name of ['sm-kms', 'identity-authz', 'identity-idp', 'identity-rs', 'identity-spa', 'jose-ja', 'pki-ca', 'learn-ps']) {
      const [only, ...rest] = await servicesFor(name);
      expect(rest, name).to.deep.equal([]);
      expect(only, 'the very definition the registry holds').to.equal(services.find((service) => service.name === name));
    }
    // identity-rp is not in the registry yet (`cryptoutil up` cannot make its client at identity-authz): it runs alone.
    expect((await servicesFor('identity-rp')).map((service) => service.name)).to.deep.equal(['identity-rp']);
    for (const command of [undefined, 'up', '--help', 'nope']) {
      expect((await servicesFor(command)).map((service) => service.name), String(command)).to.deep.equal(services.map((service) => service.name));
    }
  });

  it('does not load the other services\' modules into a one-service process', async () => {
    expect(await serviceModulesLoaded('learn-ps')).to.deep.equal(['learn-ps']);
    expect(await serviceModulesLoaded('identity-authz')).to.deep.equal(['identity-authz']);
    expect(await serviceModulesLoaded('operator')).to.deep.equal([]);
    expect(await serviceModulesLoaded('up')).to.have.members(services.map((service) => service.name));
  });

  it('names every service identity-authz issues tokens for by the document its definition serves', () => {
    const others = services.filter((service) => !['identity-authz', 'identity-rp', 'identity-spa'].includes(service.name));
    expect(resourceServers.map((source) => [source.name, source.openapi.href])).to.have.deep.members(others.map((service) => [service.name, service.openapi.href]));
    expect(resourceServers).to.have.length(others.length);
  });
});
