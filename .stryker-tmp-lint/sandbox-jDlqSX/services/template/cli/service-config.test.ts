// @ts-nocheck
import { expect } from 'chai';
import { loadServiceConfig, schemaOptionsOf } from './service-config.ts';
import { configHelp } from '../config/index.ts';
import { notesService } from '../testing/notes-service/index.ts';
import type { ServiceDefinition } from '../service.ts';

const withOwnKeys: ServiceDefinition<{ notes: { maxTitle: number } }> = {
  ...notesService,
  configSchema: { notes: { maxTitle: { doc: 'Longest title accepted.', format: 'nat', default: 200 } } },
};

describe('service configuration', () => {
  it('merges a service\'s own keys with the shared keys for loading and help', () => {
    const definition = withOwnKeys as unknown as ServiceDefinition;
    const config = loadServiceConfig(definition, [], { CRYPTOUTIL_NOTES_MAXTITLE: '80' }) as unknown as { notes: { maxTitle: number }; public: { port: number } };
    expect(config.notes.maxTitle).to.equal(80);
    expect(config.public.port).to.equal(0);
    expect(configHelp(schemaOptionsOf(definition))).to.include('notes.maxTitle').and.include('Longest title accepted.');
  });

  it('applies overrides last, as cryptoutil up does', () => {
    const config = loadServiceConfig(notesService, [], { CRYPTOUTIL_PUBLIC_PORT: '1234' }, { public: { port: 4321 } });
    expect(config.public.port).to.equal(4321);
    expect(loadServiceConfig(notesService, [], { CRYPTOUTIL_PUBLIC_PORT: '1234' }).public.port).to.equal(1234);
  });

  it('describes a service without its own keys by the shared keys alone', () => {
    expect(schemaOptionsOf(notesService)).to.deep.equal({ serviceName: 'notes', publicPort: 0 });
  });
});
