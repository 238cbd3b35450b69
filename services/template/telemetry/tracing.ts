/**
 * Trace export (`telemetry.otlpEndpoint`). Off by default: the tracing middleware then talks to the
 * OpenTelemetry API's no-op tracer, nothing leaves the process, and the SDK (about 45 MB of memory
 * with the exporters it brings) is not even loaded.
 */
import { context, logs, propagation, trace } from '@opentelemetry/api';

export interface TracingOptions {
  readonly service: string;
  /** The collector's OTLP/HTTP base URL (`http://collector:4318`) or its full `/v1/traces` URL; empty = off. */
  readonly otlpEndpoint: string;
}

export interface Tracing {
  /** Flushes buffered spans and unregisters the SDK from the OpenTelemetry API. */
  shutdown(): Promise<void>;
}

const TRACES_PATH = '/v1/traces';

/** OTLP/HTTP §"OTLP/HTTP Request": traces are POSTed to `<endpoint>/v1/traces`. */
export function tracesUrl(otlpEndpoint: string): string {
  const base = otlpEndpoint.replace(/\/+$/, '');
  return base.endsWith(TRACES_PATH) ? base : `${base}${TRACES_PATH}`;
}

/**
 * Starts the Node SDK with only an OTLP/HTTP (JSON) trace exporter. Metrics stay with prom-client
 * and logs with pino, so the SDK's metric and log pipelines are explicitly left empty.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (options.otlpEndpoint === '') return { shutdown: () => Promise.resolve() };
  const [{ OTLPTraceExporter }, { NodeSDK }] = await Promise.all([import('@opentelemetry/exporter-trace-otlp-http'), import('@opentelemetry/sdk-node')]);
  const sdk = new NodeSDK({
    serviceName: options.service,
    traceExporter: new OTLPTraceExporter({ url: tracesUrl(options.otlpEndpoint) }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return {
    async shutdown() {
      await sdk.shutdown();
      // The API keeps what was registered; releasing it lets a later start (tests, reload) register again.
      trace.disable();
      context.disable();
      propagation.disable();
      logs.disable();
    },
  };
}
