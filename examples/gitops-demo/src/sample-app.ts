/**
 * The sample application the demo keeps in git: a `base` (Deployment, Service, two ConfigMaps)
 * and two overlays, `staging` and `production`, as a team would lay out a kustomize repository.
 * Each later step of the demo is one commit to these files.
 */
import type { RepoFile } from '@weft/testkit';

/** The image every environment starts with; production moves to {@link NEXT_IMAGE} in step 3. */
export const FIRST_IMAGE = 'nginx:1.27.0';
export const NEXT_IMAGE = 'nginx:1.27.1';

/** The Deployment, Service and ConfigMap names the base defines. */
export const APP = 'web';
export const SETTINGS = 'web-settings';
/** The ConfigMap whose file step 4 deletes (and the operator prunes). */
export const FEATURE_FLAGS = 'feature-flags';

/** Every object of the app carries this label (set by the overlays), so it can be watched as one. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF = 'weft-demo';

/** The overlays, each one environment in its own namespace. */
export const ENVIRONMENTS = {
  staging: { namespace: 'staging', replicas: 1 },
  production: { namespace: 'production', replicas: 3 },
} as const;
export type Environment = keyof typeof ENVIRONMENTS;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${APP}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${APP}
  template:
    metadata:
      labels:
        app: ${APP}
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - containerPort: 80
          envFrom:
            - configMapRef:
                name: ${SETTINGS}
`;

const service = `apiVersion: v1
kind: Service
metadata:
  name: ${APP}
spec:
  selector:
    app: ${APP}
  ports:
    - port: 80
      targetPort: 80
`;

const settings = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${SETTINGS}
data:
  GREETING: hello from git
`;

const featureFlags = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${FEATURE_FLAGS}
data:
  NEW_CHECKOUT: "false"
`;

const baseKustomization = (withFlags: boolean) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - settings.yaml
${withFlags ? '  - feature-flags.yaml\n' : ''}`;

const namespace = (name: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
`;

function overlay(environment: Environment, options: { image: string; replicas: number; extraResources?: string[] }): string {
  const { namespace: ns } = ENVIRONMENTS[environment];
  const [name, tag] = options.image.split(':');
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${ns}
labels:
  - pairs:
      ${PART_OF_LABEL}: ${PART_OF}
      environment: ${environment}
resources:
  - namespace.yaml
  - ../../base
${(options.extraResources ?? []).map((file) => `  - ${file}\n`).join('')}images:
  - name: ${name}
    newTag: "${tag}"
patches:
  - target:
      kind: Deployment
      name: ${APP}
    patch: |-
      - op: replace
        path: /spec/replicas
        value: ${options.replicas}
`;
}

const ingress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${APP}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${APP}
                port:
                  number: 80
`;

/** The first commit: base and both overlays. */
export function initialFiles(): Record<string, RepoFile> {
  return {
    'README.md': '# weft-demo\n\nA sample app for the Weft GitOps demo: `base/` and one overlay per environment.\n',
    'base/kustomization.yaml': baseKustomization(true),
    'base/deployment.yaml': deployment,
    'base/service.yaml': service,
    'base/settings.yaml': settings,
    'base/feature-flags.yaml': featureFlags,
    'overlays/staging/kustomization.yaml': overlay('staging', { image: FIRST_IMAGE, replicas: ENVIRONMENTS.staging.replicas }),
    'overlays/staging/namespace.yaml': namespace(ENVIRONMENTS.staging.namespace),
    'overlays/production/kustomization.yaml': overlay('production', { image: FIRST_IMAGE, replicas: ENVIRONMENTS.production.replicas }),
    'overlays/production/namespace.yaml': namespace(ENVIRONMENTS.production.namespace),
  };
}

/** Replicas production runs from step 3 on. */
export const NEXT_PRODUCTION_REPLICAS = 4;

/** Step 3: production gets a new image tag and one more replica. */
export function releaseCommit(): Record<string, RepoFile> {
  return { 'overlays/production/kustomization.yaml': overlay('production', { image: NEXT_IMAGE, replicas: NEXT_PRODUCTION_REPLICAS }) };
}

/** Step 4: the feature-flags ConfigMap is deleted from the base (file and reference). */
export function pruneCommit(): Record<string, RepoFile> {
  return { 'base/feature-flags.yaml': null, 'base/kustomization.yaml': baseKustomization(false) };
}

/** The file step 5 references but forgets to add; step 6 adds it. */
export const INGRESS_FILE = 'ingress.yaml';

/** Step 5: production's kustomization lists `ingress.yaml`, but the file is not in the commit. */
export function brokenCommit(): Record<string, RepoFile> {
  return {
    'overlays/production/kustomization.yaml': overlay('production', {
      image: NEXT_IMAGE,
      replicas: NEXT_PRODUCTION_REPLICAS,
      extraResources: [INGRESS_FILE],
    }),
  };
}

/** Step 6: the forgotten file is added. */
export function fixCommit(): Record<string, RepoFile> {
  return { [`overlays/production/${INGRESS_FILE}`]: ingress };
}
