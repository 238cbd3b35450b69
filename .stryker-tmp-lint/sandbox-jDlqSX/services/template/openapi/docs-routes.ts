/**
 * The document as the world sees it: `GET /openapi.json` and Swagger UI at `/ui/swagger/`, served
 * from the swagger-ui-dist package's own files. No token is asked for: the API shape is public.
 * The served document names the issuer's real token endpoint (see served-document.ts).
 */
// @ts-nocheck

import { readFile } from 'node:fs/promises';
import type { Middleware, ParameterizedContext } from 'koa';
import { MethodNotAllowedError } from '../errors/index.ts';
import type { RequestState, TokenKind } from '../service.ts';
import type { OpenApiDocument } from './document.ts';
import { API_PREFIXES } from './router.ts';
import { servedDocument, type IssuerEndpoints } from './served-document.ts';

/** Where Swagger UI is mounted; `/ui/swagger` redirects here. */
export const SWAGGER_UI_PATH = '/ui/swagger/';

const SWAGGER_DIST = new URL('./', import.meta.resolve('swagger-ui-dist/package.json'));

interface StaticFile {
  readonly url: URL;
  readonly type: string;
}

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SCRIPT = 'text/javascript; charset=utf-8';
const PNG = 'image/png';

const fromDist = (name: string, type: string): [string, StaticFile] => [name, { url: new URL(name, SWAGGER_DIST), type }];

/** The package's index.html loads exactly these files; the initializer is ours (it names /openapi.json). */
const SWAGGER_FILES: ReadonlyMap<string, StaticFile> = new Map([
  ['', { url: new URL('index.html', SWAGGER_DIST), type: HTML }],
  fromDist('index.css', CSS),
  fromDist('swagger-ui.css', CSS),
  fromDist('swagger-ui-bundle.js', SCRIPT),
  fromDist('swagger-ui-standalone-preset.js', SCRIPT),
  fromDist('favicon-16x16.png', PNG),
  fromDist('favicon-32x32.png', PNG),
  ['swagger-initializer.js', { url: new URL('./swagger-initializer.js', import.meta.url), type: SCRIPT }],
]);

// Read on first use and kept: the files are immutable for the life of the process.
const contents = new Map<string, Promise<Buffer>>();

function content(file: StaticFile): Promise<Buffer> {
  const cached = contents.get(file.url.href) ?? readFile(file.url);
  contents.set(file.url.href, cached);
  return cached;
}

type Context = ParameterizedContext<RequestState>;
type Route = (ctx: Context) => Promise<void> | void;

const SERVER_DESCRIPTIONS: Readonly<Record<TokenKind, string>> = {
  service: 'client-credentials access tokens (service to service)',
  browser: 'user access tokens (authorization code + PKCE)',
};

export interface DocsOptions {
  /** The service's resource indicator, `urn:cryptoutil:<service>`. */
  readonly resource: string;
  /** The issuer's endpoints, asked at each document request; undefined when there is no issuer. */
  readonly endpoints?: () => Promise<IssuerEndpoints | undefined>;
  readonly prefixes?: Readonly<Record<TokenKind, string>>;
}

/** `GET /openapi.json`, `/ui/swagger` and its files, as one middleware; other paths fall through. */
export function openApiRoutes(document: OpenApiDocument, options: DocsOptions): Middleware<RequestState> {
  const prefixes = options.prefixes ?? API_PREFIXES;
  const servers = (['service', 'browser'] as const).map((kind) => ({ url: prefixes[kind], description: SERVER_DESCRIPTIONS[kind] }));
  // One rendering per set of endpoints: they change only when the issuer's metadata does.
  let rendered: { readonly key: string; readonly json: string } | undefined;
  const json = async (): Promise<string> => {
    const endpoints = await options.endpoints?.();
    const key = JSON.stringify(endpoints ?? null);
    if (rendered?.key !== key) {
      const served = servedDocument(document, { servers, resource: options.resource, ...(endpoints === undefined ? {} : { endpoints }) });
      rendered = { key, json: JSON.stringify(served) };
    }
    return rendered.json;
  };
  const routes = new Map<string, Route>([
    ['/openapi.json', async (ctx) => {
      ctx.body = await json();
      ctx.type = 'application/json; charset=utf-8';
    }],
    [SWAGGER_UI_PATH.slice(0, -1), (ctx) => {
      ctx.status = 301;
      ctx.redirect(SWAGGER_UI_PATH);
    }],
  ]);
  for (const [name, file] of SWAGGER_FILES) {
    routes.set(`${SWAGGER_UI_PATH}${name}`, async (ctx) => {
      ctx.body = await content(file);
      ctx.type = file.type;
      ctx.set('Cache-Control', 'public, max-age=3600');
    });
  }

  return async function openApiDocs(ctx, next) {
    const route = routes.get(ctx.path);
    if (route === undefined) {
      await next();
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new MethodNotAllowedError(['GET', 'HEAD']);
    }
    await route(ctx);
  };
}
