// The benchmark's fleet: one git repository with N apps of four objects each (Deployment,
// Service, ServiceAccount, ConfigMap), one GitRepository and N Kustomizations with `wait: true`.
import { type KubeObject, shardLabel } from '@weft/reconcile-core';

/** Where the GitRepository and the Kustomizations live (the operator watches only it). */
export const systemNamespace = 'weft-system';
/** Where the apps' objects go (set by each app's kustomization.yaml). */
export const appsNamespace = 'fleet-apps';
export const sourceName = 'fleet';

export const appName = (index: number) => `app-${String(index).padStart(3, '0')}`;

/** The repository's files: `apps/<app>/{kustomization,deployment,service,serviceaccount,configmap}.yaml`. */
export function fleetFiles(apps: number): Record<string, string> {
  const files: Record<string, string> = { 'README.md': `${apps} apps, one Kustomization each\n` };
  for (let index = 0; index < apps; index++) {
    const app = appName(index);
    const dir = `apps/${app}`;
    files[`${dir}/kustomization.yaml`] = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${appsNamespace}
labels:
  - pairs:
      app.kubernetes.io/part-of: fleet
resources:
  - serviceaccount.yaml
  - configmap.yaml
  - service.yaml
  - deployment.yaml
`;
    files[`${dir}/serviceaccount.yaml`] = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${app}
`;
    files[`${dir}/configmap.yaml`] = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${app}
data:
  APP_NAME: ${app}
  LOG_LEVEL: info
  GREETING: hello from ${app}
`;
    files[`${dir}/service.yaml`] = `apiVersion: v1
kind: Service
metadata:
  name: ${app}
spec:
  selector:
    app: ${app}
  ports:
    - name: http
      port: 80
      targetPort: http
`;
    files[`${dir}/deployment.yaml`] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${app}
  template:
    metadata:
      labels:
        app: ${app}
    spec:
      serviceAccountName: ${app}
      containers:
        - name: web
          image: ghcr.io/stefanprodan/podinfo:6.7.1
          ports:
            - name: http
              containerPort: 9898
          envFrom:
            - configMapRef:
                name: ${app}
          resources:
            requests:
              cpu: 10m
              memory: 16Mi
`;
  }
  return files;
}

/** The shard an object belongs to when the fleet is split over `shards` operators (Flux's label), or none. */
export const shardKey = (index: number, shards: number): string | undefined => (shards > 1 ? `shard-${index % shards}` : undefined);

/** The GitRepository of one shard (`fleet-shard-N`, labelled as its Kustomizations), or the one `fleet`. */
export const shardSourceName = (shard: string | undefined) => (shard ? `${sourceName}-${shard}` : sourceName);

const shardLabels = (shard: string | undefined) => (shard ? { labels: { [shardLabel]: shard } } : {});

/** The API groups of the controllers a run measures: Weft's operator or Flux's controllers (same spec fields). */
export interface FleetKinds {
  gitRepository: { apiVersion: string; kind: 'GitRepository' };
  kustomization: { apiVersion: string; kind: 'Kustomization' };
}
export const weftKinds: FleetKinds = {
  gitRepository: { apiVersion: 'source.weft.dev/v1', kind: 'GitRepository' },
  kustomization: { apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization' },
};
export const fluxKinds: FleetKinds = {
  gitRepository: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' },
  kustomization: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' },
};

/** The GitRepository (Weft's or Flux's) the Kustomizations (of one shard) read from: a shard's carries the shard label too, so its operator serves it. */
export function gitRepository(url: string, shard?: string, kinds: FleetKinds = weftKinds): KubeObject {
  return {
    ...kinds.gitRepository,
    metadata: { name: shardSourceName(shard), namespace: systemNamespace, ...shardLabels(shard) },
    spec: { url, interval: '1h', ref: { branch: 'main' } },
  } as KubeObject;
}

/** One app's Kustomization (Weft's or Flux's, the same spec): prune, wait for health, five-minute timeout; with shards, labelled round robin. */
export function kustomization(index: number, shards = 1, kinds: FleetKinds = weftKinds): KubeObject {
  const app = appName(index);
  const shard = shardKey(index, shards);
  return {
    ...kinds.kustomization,
    metadata: { name: app, namespace: systemNamespace, ...shardLabels(shard) },
    spec: {
      interval: '1h',
      retryInterval: '10s',
      timeout: '5m',
      sourceRef: { kind: 'GitRepository', name: shardSourceName(shard) },
      path: `./apps/${app}`,
      prune: true,
      wait: true,
    },
  } as KubeObject;
}
