import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { startTracing, tracesUrl } from './tracing.ts';

interface Collected {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** A stand-in OTLP/HTTP collector on loopback that keeps every export request it receives. */
async function startCollector(): Promise<{ url: string; received: Collected[]; close(): Promise<void> }> {
  const received: Collected[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('trace export (telemetry.otlpEndpoint)', () => {
  it('is a no-op when no endpoint is configured', async () => {
    const tracing = await startTracing({ service: 'learn-ps', otlpEndpoint: '' });
    const span = trace.getTracer('test').startSpan('ignored');
    expect(span.isRecording()).to.equal(false);
    span.end();
    await tracing.shutdown();
  });

  it('exports spans as OTLP/HTTP JSON to <endpoint>/v1/traces, flushed by shutdown', async () => {
    const collector = await startCollector();
    try {
      const tracing = await startTracing({ service: 'learn-ps', otlpEndpoint: `${collector.url}/` });
      const span = trace.getTracer('test').startSpan('GET /service/api/v1/pets/:id');
      expect(span.isRecording()).to.equal(true);
      span.end();
      expect(collector.received).to.have.length(0);
      await tracing.shutdown();
      expect(collector.received).to.have.length(1);
      const [export0] = collector.received;
      expect(export0?.path).to.equal('/v1/traces');
      expect(export0?.contentType).to.match(/^application\/json/);
      expect(export0?.body).to.include('GET /service/api/v1/pets/:id');
      expect(export0?.body).to.include('"stringValue":"learn-ps"');
      // After shutdown the API is released: spans are no-ops again and a later start can register.
      expect(trace.getTracer('test').startSpan('after').isRecording()).to.equal(false);
    } finally {
      await collector.close();
    }
  });

  it('accepts either the collector base URL or the full traces URL', () => {
    expect(tracesUrl('http://collector:4318')).to.equal('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).to.equal('http://collector:4318/v1/traces');
    expect(tracesUrl('https://collector/otlp/v1/traces')).to.equal('https://collector/otlp/v1/traces');
  });
});
