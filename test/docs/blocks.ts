/**
 * The fenced code blocks of the README and the docs, as `npm run test:docs` reads them.
 *
 * Markers (the words after the language of a shell block):
 * - ```` ```sh test ````: run by the docs test, in the order of the document, in one bash per
 *   document with `set -euo pipefail`, against a fresh `cryptoutil up` whose data directory is
 *   `./.cryptoutil` of the working directory.
 * - ```` ```sh no-test <reason> ````: shown, not run (it needs a cluster, starts the suite itself,
 *   or changes the repository); say why after `no-test`.
 * - ```` ```sh browser-sign-in <reason> ````: a person signs in in a browser and pastes the address
 *   the browser ends on into one variable (`CALLBACK='...'`). Not run as written: the document runs
 *   a second time, with Chromium doing those steps from `$AUTHORIZE_URL`, `$USERNAME`, `$PASSWORD`
 *   and `$REDIRECT_URI` (`browser-sign-in.ts`) and without the `test` block right after this one,
 *   which is the same step done without a browser.
 * A shell block with none of these markers fails the test, so every new block gets a decision.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Languages GitHub renders as shell: these blocks must carry a marker. */
const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

export const MARKERS: ReadonlySet<string> = new Set(['test', 'no-test', 'browser-sign-in']);

export interface CodeBlock {
  /** The document, relative to the repository root. */
  readonly file: string;
  /** The line of the opening fence, from 1. */
  readonly line: number;
  readonly language: string;
  /** One of `MARKERS`, or what stands there instead ('' for nothing). */
  readonly marker: string;
  readonly code: string;
}

export const isShell = (block: CodeBlock): boolean => SHELL_LANGUAGES.has(block.language);

/** Every fenced block of one Markdown text (backtick or tilde fences, CommonMark closing rule). */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  let open: { fence: string; line: number; language: string; marker: string; body: string[] } | undefined;
  for (const [index, line] of lines.entries()) {
    if (open === undefined) {
      const start = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)\s*(\S*)/.exec(line);
      if (start !== null) open = { fence: start[1] ?? '', line: index + 1, language: start[2] ?? '', marker: start[3] ?? '', body: [] };
    } else if (new RegExp(`^ {0,3}${open.fence.startsWith('`') ? '`' : '~'}{${String(open.fence.length)},}\\s*$`).test(line)) {
      blocks.push({ file, line: open.line, language: open.language, marker: open.marker, code: open.body.join('\n') });
      open = undefined;
    } else {
      open.body.push(line);
    }
  }
  return blocks;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return markdownFiles(path);
      return entry.name.endsWith('.md') ? [path] : [];
    });
}

/** README.md first, then every Markdown file under docs/ in path order. */
export function documents(root: string): { readonly file: string; readonly text: string; readonly blocks: CodeBlock[] }[] {
  return [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))].map((path) => {
    const file = relative(root, path);
    const text = readFileSync(path, 'utf8');
    return { file, text, blocks: codeBlocks(file, text) };
  });
}
