import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Shape of the benchmark tree (the numbers). */
export const treeShape = { resources: 500, overlays: 3, generators: 20, patches: 50 } as const;

function write(root: string, path: string, content: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

/**
 * Writes the benchmark tree under `root`: a base with 500 resources (Deployments, Services,
 * ConfigMaps, ServiceAccounts) and generators, then three overlays with prefixes, labels,
 * namespaces, images, replicas, generators and strategic-merge/JSON patches. Returns the
 * directory to build (the top overlay).
 */
export function writeBenchmarkTree(root: string): string {
  const deployments = 200;
  const services = 150;
  const configMaps = 100;
  const accounts = 50;
  const documents: unknown[] = [];
  for (let index = 0; index < deployments; index++) {
    documents.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${index}`, labels: { app: `app-${index}` } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: `app-${index}` } },
        template: {
          metadata: { labels: { app: `app-${index}` } },
          spec: {
            serviceAccountName: `sa-${index % accounts}`,
            containers: [
              {
                name: 'main',
                image: `registry.example.com/app-${index % 10}:1.0.0`,
                ports: [{ containerPort: 8080 }],
                envFrom: [{ configMapRef: { name: `settings-${index % 10}` } }],
                env: [{ name: 'MODE', value: 'production' }],
                volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: `cm-${index % configMaps}` } }],
          },
        },
      },
    });
  }
  for (let index = 0; index < services; index++) {
    documents.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${index}` }, spec: { selector: { app: `app-${index}` }, ports: [{ port: 80, targetPort: 8080 }] } });
  }
  for (let index = 0; index < configMaps; index++) {
    documents.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${index}` }, data: { 'app.properties': `key=${index}\nother=value\n`, level: 'info' } });
  }
  for (let index = 0; index < accounts; index++) documents.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${index}` } });
  const files = 10;
  const perFile = Math.ceil(documents.length / files);
  const resources: string[] = [];
  for (let file = 0; file < files; file++) {
    const name = `resources-${file}.yaml`;
    resources.push(name);
    write(root, `base/${name}`, documents.slice(file * perFile, (file + 1) * perFile).map((document) => stringify(document)).join('---\n'));
  }
  write(root, 'base/app.env', 'LOG_LEVEL=info\nFEATURE_X=on\n');
  write(
    root,
    'base/kustomization.yaml',
    stringify({
      resources,
      configMapGenerator: [
        ...Array.from({ length: 10 }, (_, index) => ({ name: `settings-${index}`, literals: [`INDEX=${index}`, 'REGION=eu'], envs: ['app.env'] })),
      ],
      secretGenerator: Array.from({ length: 4 }, (_, index) => ({ name: `secret-${index}`, literals: [`password=pw-${index}`] })),
    }),
  );
  let parent = 'base';
  let patchNumber = 0;
  const patchesPerOverlay = [20, 15, 15];
  const generatorsPerOverlay = [2, 2, 2];
  for (let level = 1; level <= 3; level++) {
    const directory = `overlay${level}`;
    const patches: unknown[] = [];
    for (let index = 0; index < (patchesPerOverlay[level - 1] as number); index++, patchNumber++) {
      const target = `app-${patchNumber * 3}`;
      if (index % 2 === 0) {
        write(
          root,
          `${directory}/patch-${index}.yaml`,
          stringify({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: target },
            spec: { template: { spec: { containers: [{ name: 'main', env: [{ name: `PATCH_${level}`, value: 'yes' }], resources: { limits: { memory: '256Mi' } } }] } } },
          }),
        );
        patches.push({ path: `patch-${index}.yaml` });
      } else {
        patches.push({ target: { kind: 'Deployment', name: target }, patch: JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: level + 2 }]) });
      }
    }
    const kustomization: Record<string, unknown> = {
      resources: [`../${parent}`],
      patches,
      configMapGenerator: Array.from({ length: generatorsPerOverlay[level - 1] as number }, (_, index) => ({ name: `overlay${level}-settings-${index}`, literals: [`LEVEL=${level}`] })),
      labels: [{ pairs: { [`level${level}`]: 'true' }, includeSelectors: false, includeTemplates: true }],
      commonAnnotations: { [`example.com/overlay${level}`]: 'applied' },
    };
    if (level === 1) kustomization['namePrefix'] = 'team-';
    if (level === 2) {
      kustomization['namespace'] = 'production';
      kustomization['images'] = [{ name: 'registry.example.com/app-1', newTag: '1.1.0' }];
    }
    if (level === 3) {
      kustomization['nameSuffix'] = '-eu';
      kustomization['replicas'] = [{ name: 'app-7', count: 5 }];
    }
    write(root, `${directory}/kustomization.yaml`, stringify(kustomization));
    parent = directory;
  }
  return join(root, parent);
}
