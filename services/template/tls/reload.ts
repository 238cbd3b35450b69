/**
 * Live reload of `tls.mode: files` material. Kubernetes (and cert-manager through it) updates a
 * mounted Secret by writing a new timestamped directory and swapping the `..data` symlink, so the
 * directories holding the files are watched, not the files: a watch on `tls.crt` would follow the
 * old inode forever. Every change is re-read through the symlinks, checked as at start, and handed
 * to `apply` (the listeners' `setSecureContext`): new handshakes get the new certificate while open
 * connections keep theirs. A bad update is logged and the material in use is kept.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { TemplateConfig } from '../config/schema.ts';
import { systemClock, type Clock } from './issuing.ts';
import { loadTlsFiles } from './files.ts';
import type { TlsMaterial } from './server-options.ts';

/** Writers touch certificate and key one after the other: one reload after the last event. */
export const RELOAD_DEBOUNCE_MS = 250;

/** What a reloader watches, what it serves now, and where new material goes. */
export interface TlsReloadOptions {
  readonly tls: TemplateConfig['tls'];
  /** The material in use now, so an event that changed nothing reloads nothing. */
  readonly current: TlsMaterial;
  readonly apply: (material: TlsMaterial) => void;
  readonly log: Logger;
  readonly debounceMs?: number;
  readonly now?: Clock;
}

/** A running watch: its manual trigger and its end. */
export interface TlsReloader {
  /** Re-reads the files now (the SIGHUP path); resolves true when new material was applied. */
  reload(): Promise<boolean>;
  /** Stops watching; idempotent. */
  close(): void;
}

function digest(material: TlsMaterial): string {
  return createHash('sha256').update(material.cert).update('\0').update(material.key).digest('hex');
}

/** Watches the directories of `tls.certFile` and `tls.keyFile` and applies each valid change. */
export function watchTlsFiles(options: TlsReloadOptions): TlsReloader {
  const { tls, log } = options;
  const now = options.now ?? systemClock;
  let served = digest(options.current);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> = Promise.resolve(false);

  const readAndApply = async (): Promise<boolean> => {
    try {
      const material = await loadTlsFiles(tls, now());
      const next = digest(material);
      if (next === served) return false;
      options.apply(material);
      served = next;
      const certificate = new X509Certificate(material.cert);
      log.info({ serial: certificate.serialNumber, fingerprintSha256: certificate.fingerprint256, notAfter: certificate.validToDate.toISOString() }, 'tls certificate reloaded');
      return true;
    } catch (error) {
      // files.ts names the key and the path, never the content.
      log.error({ reason: (error as Error).message }, 'tls files changed but cannot be served; the certificate in use is kept');
      return false;
    }
  };
  // One reload at a time, in order: a slow read never applies older material over newer.
  const reload = (): Promise<boolean> => {
    running = running.then(readAndApply);
    return running;
  };
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => { void reload(); }, options.debounceMs ?? RELOAD_DEBOUNCE_MS);
  };

  const watchers: FSWatcher[] = [...new Set([dirname(tls.certFile), dirname(tls.keyFile)])].map((directory) => {
    const watcher = watch(directory, { persistent: false }, schedule);
    // A failing watch (a directory unmounted, on some platforms) must not end the process: the files
    // are read once more, and if they are gone that read logs why while the certificate in use stays.
    watcher.on('error', schedule);
    return watcher;
  });

  return {
    reload,
    close: () => {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/**
 * The reloader a files-mode service runs: the directory watch, and SIGHUP as the manual trigger
 * (`kill -HUP`), the signal daemons such as nginx and HAProxy reload on. Returns what stops both.
 */
export function reloadOnChangeOrHangup(options: TlsReloadOptions): () => void {
  const reloader = watchTlsFiles(options);
  const hangup = (): void => {
    options.log.info('SIGHUP: reloading tls files');
    void reloader.reload();
  };
  process.on('SIGHUP', hangup);
  return () => {
    process.off('SIGHUP', hangup);
    reloader.close();
  };
}
