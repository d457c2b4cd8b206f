import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigMapKind, controller, EventRecorder, KubeClient, Manager, type ManagerOptions } from '@weft/reconcile-core';
import { GreetingKind } from './greeting.js';
import { fieldManager, GreetingReconciler } from './greeting-reconciler.js';

/** Options of {@link createHelloOperator}. */
export interface HelloOperatorOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch only this namespace; default all namespaces. */
  readonly namespace?: string;
  /** Serve `/metrics`, `/healthz` and `/readyz` on this port. */
  readonly metricsPort?: number;
  /** Run only while holding the Lease `hello-reconciler` in this namespace. */
  readonly leaderElectionNamespace?: string;
  /** Passed to the Manager (a logger, `onOutcome`, `handleSignals` …). */
  readonly manager?: Omit<ManagerOptions, 'kubeConfig' | 'metrics' | 'leaderElection' | 'recorder'>;
}

/** A Manager running the Greeting controller, and its event recorder (close it after the manager stops). */
export interface HelloOperator {
  readonly manager: Manager;
  readonly recorder: EventRecorder;
  /** Flushes pending events and closes the client the recorder writes with. */
  close(): Promise<void>;
}

/**
 * Wires the Greeting controller: watch Greetings, and the ConfigMaps they own; reconcile each
 * Greeting with {@link GreetingReconciler}; record events as `hello.weft.dev/hello-reconciler`.
 */
export function createHelloOperator(options: HelloOperatorOptions): HelloOperator {
  const eventClient = new KubeClient(options.kubeConfig, { fieldManager });
  const recorder = new EventRecorder(eventClient, { reportingController: 'hello.weft.dev/hello-reconciler' });
  const manager = new Manager({
    ...options.manager,
    kubeConfig: options.kubeConfig,
    recorder,
    ...(options.metricsPort !== undefined ? { metrics: { port: options.metricsPort } } : {}),
    ...(options.leaderElectionNamespace ? { leaderElection: { name: 'hello-reconciler', namespace: options.leaderElectionNamespace } } : {}),
  });
  manager.add(
    controller(GreetingKind, { name: 'greeting', namespace: options.namespace, timeout: '1m' })
      // An edit or delete of an owned ConfigMap reconciles its Greeting again.
      .owns(ConfigMapKind)
      .reconcile(new GreetingReconciler()),
  );
  return {
    manager,
    recorder,
    async close() {
      await recorder.close();
      eventClient.close();
    },
  };
}
