/**
 * The operator's Prometheus metrics on a pod address. The admin listener stays on loopback (DESIGN
 * "Admin"), which no scraper outside the pod reaches; this listener answers GET and HEAD `/metrics`
 * only: nothing that changes state, nothing secret. HTTPS like every listener, with the operator's
 * local certificate (a scraper skips verification: each pod has its own CA).
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type https from 'node:https';
import { MethodNotAllowedError, NotFoundError } from '../services/template/errors/index.ts';
import { adminPipeline } from '../services/template/middleware/admin-pipeline.ts';
import { listenHttps, type HttpsListener } from '../services/template/server/https-listener.ts';

/** Where the metrics listener binds (chart value `metrics.port`; `CRYPTOUTIL_METRICS_PORT`). */
export interface MetricsListen {
  readonly address: string;
  readonly port: number;
}

/** The path Prometheus scrapes by default. */
export const METRICS_PATH = '/metrics';

/** Serves `registry` at {@link METRICS_PATH}; 404 and 405 problem+json for anything else. */
export async function listenMetrics(registry: Registry, tls: https.ServerOptions, listen: MetricsListen, logger: Logger): Promise<HttpsListener> {
  const app = new Koa({ proxy: false });
  for (const step of adminPipeline({ logger, serviceName: 'operator' })) {
    app.use(step);
  }
  app.use(async (ctx) => {
    if (ctx.path !== METRICS_PATH) {
      throw new NotFoundError(`no endpoint ${ctx.path}`);
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new MethodNotAllowedError(['GET']);
    }
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return listenHttps(app.callback(), tls, listen.address, listen.port);
}
