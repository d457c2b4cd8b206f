import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFoundError, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';

const run = promisify(execFile);

/** The kubectl built with the control plane. */
export const kubectlPath = join(process.env['WEFT_CACHE_DIR'] ?? join(homedir(), '.cache', 'weft'), 'bin', 'kubernetes-v1.37.2', 'kubectl');

/** Runs kubectl against a cluster; resolves with stdout, rejects with stderr in the message. */
export async function kubectl(kubeConfig: KubeConfig, args: readonly string[], input?: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-drift-kubectl-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, kubeConfig.exportConfig());
  if (input === undefined) {
    const { stdout } = await run(kubectlPath, ['--kubeconfig', path, ...args]);
    return stdout;
  }
  return new Promise((resolve, reject) => {
    const child = execFile(kubectlPath, ['--kubeconfig', path, ...args], (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
    child.stdin!.end(input);
  });
}

/** The live object, or `undefined` when it does not exist. */
export function liveObject(client: KubeClient, ref: ObjectRef): Promise<KubeObject | undefined> {
  const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
  return client.get({ apiVersion, kind: ref.kind }, ref.name, { namespace: ref.namespace }).catch((error: unknown) => (isNotFoundError(error) ? undefined : Promise.reject(error)));
}

/** A ConfigMap. */
export function configMap(namespace: string, name: string, data: Record<string, string>, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, annotations }, data };
}

/** A Deployment of one nginx container with `replicas`. */
export function deployment(namespace: string, name: string, options: { replicas?: number; image?: string; labels?: Record<string, string> } = {}): KubeObject {
  const labels = { app: name, ...options.labels };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: options.image ?? 'nginx:1.27' }] } },
    },
  };
}

/** A ClusterIP Service for app `name`. */
export function service(namespace: string, name: string, port = 80): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port, targetPort: port }] } };
}
