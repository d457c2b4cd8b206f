/**
 * The image step: a tag pushed to a registry becomes a commit in git, which the GitRepository
 * fetches and the production Kustomization applies — `@weft/image-automation`'s three
 * controllers (ImageRepository, ImagePolicy, ImageUpdateAutomation) running in this process.
 *
 * The registry is a real one, Debian's `docker-registry` on loopback (the only extra process);
 * where it is not installed the step says so and is skipped, never faked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ImagePolicyKind,
  ImageRepositoryKind,
  ImageUpdateAutomationKind,
  TagStore,
  imageAutomationControllers,
  type ImagePolicy,
  type ImageRepository,
  type ImageUpdateAutomation,
} from '@weft/image-automation';
import { DeploymentKind, Manager, createLogger, installCRDs } from '@weft/reconcile-core';
import { haveRegistryBinary, startRegistry } from '../../../packages/image-automation/src/__tests__/support/registry-server.js';
import { APP, ENVIRONMENTS } from './sample-app.js';
import type { DemoContext, Step } from './steps.js';
import { waitUntil } from './wait-until.js';

const OVERLAY = 'overlays/production/kustomization.yaml';

export const imageAutomation: Step = {
  title: 'a new image in the registry becomes a commit, and is applied',
  async run(context, signal) {
    const { client, timeline, repo } = context;
    if (!haveRegistryBinary()) {
      timeline.say('skipped: Debian\'s docker-registry is not installed (tools/registry/install.sh installs it); nothing here is faked');
      return;
    }
    const registry = await startRegistry();
    const work = await mkdtemp(join(tmpdir(), 'weft-demo-image-'));
    const stop = new AbortController();
    let running: Promise<void> | undefined;
    try {
      const image = `${registry.host}/weft-demo/web`;
      await registry.pushImage('weft-demo/web', '1.0.0');
      timeline.action(`started a registry (docker-registry) at ${registry.url}; pushed ${image}:1.0.0`);

      // Production now takes its image from that registry, marked for the policy.
      await repo.git('pull', '-q', 'origin', 'main');
      const current = await repo.git('show', `HEAD:${OVERLAY}`);
      const marked = current.replace(/images:\n {2}- name: nginx\n {4}newTag: "[^"]*"/, `images:\n  - name: nginx\n    newName: ${image}\n    newTag: "1.0.0" # {"$imagepolicy": "${context.namespace}:web:tag"}`);
      if (marked === current) throw new Error(`${OVERLAY} has no nginx image entry to mark`);
      const sha = await repo.commit({ [OVERLAY]: marked }, `production: ${image}, managed by image automation`);
      timeline.action(`git commit ${sha.slice(0, 7)}: production's image is ${image}:1.0.0 with a setter marker`);

      await installCRDs(client, [ImageRepositoryKind, ImagePolicyKind, ImageUpdateAutomationKind], { signal });
      const manager = new Manager({ kubeConfig: context.cluster.kubeConfig, logger: createLogger({ level: 'fatal' }), handleSignals: false, gracefulShutdownTimeout: '2s' });
      for (const controller of imageAutomationControllers({ namespace: context.namespace, tagStore: new TagStore(join(work, 'tags')), retry: { baseDelayMs: 200, maxDelayMs: 1000 } })) manager.add(controller);
      running = manager.start({ signal: AbortSignal.any([signal, stop.signal]) });
      const metadata = (name: string) => ({ name, namespace: context.namespace });
      await client.create({ apiVersion: ImageRepositoryKind.apiVersion, kind: 'ImageRepository', metadata: metadata('web'), spec: { image, interval: '1s', insecure: true } } as ImageRepository, { signal });
      await client.create({ apiVersion: ImagePolicyKind.apiVersion, kind: 'ImagePolicy', metadata: metadata('web'), spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1.0.0' } } } } as ImagePolicy, { signal });
      await client.create(
        {
          apiVersion: ImageUpdateAutomationKind.apiVersion,
          kind: 'ImageUpdateAutomation',
          metadata: metadata('weft-demo'),
          spec: { sourceRef: { kind: 'GitRepository', name: context.source }, interval: '1m', git: { commit: { author: { name: 'Weft image automation', email: 'images@weft.dev' }, messageTemplate: 'production: {{ range .Changed.Changes }}{{ .OldValue }} -> {{ .NewValue }}{{ end }}' } }, update: { path: './overlays/production', strategy: 'Setters' } },
        } as ImageUpdateAutomation,
        { signal },
      );
      timeline.action('started the ImageRepository, ImagePolicy and ImageUpdateAutomation controllers in this process; created web (scan every second), web (semver ^1.0.0) and weft-demo (push to main)');

      const runs = async (tag: string) =>
        waitUntil(
          `Deployment production/${APP} to run ${image}:${tag}`,
          async () => {
            const deployment = await client.get(DeploymentKind, APP, { namespace: ENVIRONMENTS.production.namespace, signal });
            const running = deployment.spec?.template.spec?.containers[0]?.image;
            if (running !== `${image}:${tag}`) throw new Error(`it runs ${running}`);
            return deployment;
          },
          signal,
        );
      await runs('1.0.0');
      timeline.ok(`Deployment production/${APP} runs ${image}:1.0.0`);

      await registry.pushImage('weft-demo/web', '1.1.0');
      timeline.action(`pushed ${image}:1.1.0 to the registry (nothing else)`);
      const automation = await waitUntil(
        'the ImageUpdateAutomation to push a commit',
        async () => {
          const object = await client.get(ImageUpdateAutomationKind, 'weft-demo', { namespace: context.namespace, signal });
          if (!object.status?.lastPushCommit) throw new Error(`its Ready condition: ${JSON.stringify(object.status?.conditions?.find((c) => c.type === 'Ready'))}`);
          return object;
        },
        signal,
      );
      const commit = automation.status!.lastPushCommit!;
      timeline.ok(`ImageUpdateAutomation/weft-demo pushed ${commit.slice(0, 7)} "production: 1.0.0 -> 1.1.0"`);
      await runs('1.1.0');
      context.lastGoodRevision = `main@sha1:${commit}`;
      timeline.ok(`GitRepository fetched it and Kustomization/production applied it: Deployment production/${APP} runs ${image}:1.1.0`);
    } finally {
      stop.abort();
      await running?.catch(() => undefined);
      await registry.stop();
      await rm(work, { recursive: true, force: true });
    }
  },
};
