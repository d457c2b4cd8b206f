// The Weft side of bench/progressive, in its own process so its CPU time can be read from /proc
// like Flagger's: the ready-made Canary controller for the Canaries of one namespace.
// argv: kubeconfig path, namespace, Prometheus URL.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { canaryController } from '@weft/progressive';
import { createLogger, EventRecorder, KubeClient, Manager } from '@weft/reconcile-core';

const [kubeconfigPath, namespace, metricsServer] = process.argv.slice(2) as [string, string, string];
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(readFileSync(kubeconfigPath, 'utf8'));
// Kubernetes Events as Flagger records them, so both sides do the same work.
const events = new EventRecorder(new KubeClient(kubeConfig), { reportingController: 'weft.dev/progressive' });
const recorder = { event: (object: Parameters<EventRecorder['publish']>[0], type: 'Normal' | 'Warning', reason: string, message: string) => events.publish(object, { type, reason, action: 'Analyse', note: message }) };
const manager = new Manager({ kubeConfig, logger: createLogger({ level: 'silent' }), handleSignals: true, gracefulShutdownTimeout: '5s', recorder });
// Flagger runs every Canary's tick in its own goroutine; the reconciler's concurrency plays that part.
manager.add(canaryController({ defaultProvider: 'gatewayapi:v1', metricsServer, controller: { namespace, concurrency: 100 } }));
process.send?.('started');
await manager.start();
