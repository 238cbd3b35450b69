/**
 * What identity-spa serves: the console's files, read once from its `console/` folder, at fixed
 * paths (`/` is `index.html`), and `/config.json`. A request is served only when its path is one
 * of those keys exactly, so no path, encoded or not, can reach another file. Every answer carries
 * the console's Content-Security-Policy: scripts and styles from this origin only, no inline code,
 * connections and form posts to identity-rp's origin alone. The file names carry no version, so
 * the browser revalidates each one (`no-cache` with an ETag) instead of keeping a stale bundle.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Middleware } from 'koa';
import type { RequestState } from '../template/service.ts';
import { labelRoute } from '../template/telemetry/route.ts';
import type { SpaConfig } from './config.ts';

/** Where the console's files sit, beside this module in the repository and in the built package. */
export const CONSOLE_DIR = new URL('./console/', import.meta.url);

export const CONFIG_PATH = '/config.json';

/** The media types of the files the console is made of; any other file in the folder is not served. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** RFC 9111 §5.2.2.4: the browser may store the file but must ask again before each use. */
export const REVALIDATE = 'no-cache';

export interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
  /** A strong validator (RFC 9110 §8.8.3) from the content. */
  readonly etag: string;
}

function fileOf(type: string, body: Buffer): StaticFile {
  return { type, body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

/** The console's Content-Security-Policy (CSP Level 3) for identity-rp at `rpOrigin`. */
export function consolePolicy(rpOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    // Its own origin for /config.json, identity-rp's for everything else.
    `connect-src 'self' ${rpOrigin}`,
    `form-action ${rpOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Path → file: every servable file of `dir` at `/<name>`, `index.html` also at `/`, and `/config.json` (`rpUrl`, `accountUrl`). */
export async function consoleFiles(dir: URL, spa: SpaConfig['spa']): Promise<ReadonlyMap<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const extension = /\.[a-z]+$/.exec(entry.name)?.[0] ?? '';
    const type = TYPES[extension];
    if (!entry.isFile() || type === undefined || entry.name.endsWith('.d.ts')) continue;
    files.set(`/${entry.name}`, fileOf(type, await readFile(new URL(entry.name, dir))));
  }
  const index = files.get('/index.html');
  if (index === undefined) throw new Error(`the console has no index.html in ${dir.pathname}`);
  files.set('/', index);
  const config = { rpUrl: spa.rpUrl.replace(/\/+$/, ''), ...(spa.accountUrl === '' ? {} : { accountUrl: spa.accountUrl.replace(/\/+$/, '') }) };
  files.set(CONFIG_PATH, fileOf('application/json; charset=utf-8', Buffer.from(JSON.stringify(config))));
  return files;
}

/** True when the request's `If-None-Match` names this entity tag (RFC 9110 §13.1.2, weak comparison). */
function notModified(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*');
}

export function spaRoutes(files: ReadonlyMap<string, StaticFile>, rpOrigin: string): Middleware<RequestState> {
  const policy = consolePolicy(rpOrigin);
  return async function spaRoutesStep(ctx, next) {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (file === undefined) {
      await next();
      return;
    }
    labelRoute(ctx, ctx.path);
    ctx.set('Content-Security-Policy', policy);
    ctx.set('Cache-Control', REVALIDATE);
    ctx.set('ETag', file.etag);
    if (notModified(ctx.get('If-None-Match'), file.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = file.type;
    ctx.body = file.body;
  };
}
