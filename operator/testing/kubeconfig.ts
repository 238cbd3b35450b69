/** A kubeconfig in `dir` that names an API server nothing listens on (port 9 on loopback). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function unreachableKubeconfig(dir: string, name = 'kubeconfig'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, [
    'apiVersion: v1', 'kind: Config', 'current-context: none',
    'clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]',
    'users: [{name: op, user: {token: t}}]',
    'contexts: [{name: none, context: {cluster: none, user: op}}]',
  ].join('\n'));
  return file;
}
