import { ConfigMapKind, type Duration, getCondition, isNotFoundError, type KubeClient, parseDuration, ReadyCondition, sleep, WeftError } from '@weft/reconcile-core';
import { configMapNameOf, type Greeting, GreetingKind } from './greeting.js';

/** The Greeting `--once` creates. */
export function sampleGreeting(namespace: string): Greeting {
  return {
    apiVersion: GreetingKind.apiVersion,
    kind: GreetingKind.kind,
    metadata: { name: 'hello-world', namespace },
    spec: { name: 'world', salutation: 'Hello', interval: '10m' },
  };
}

/** A Greeting did not become Ready in time; the message names it and its last Ready condition. */
export class GreetingNotReadyError extends WeftError {
  override name = 'GreetingNotReadyError';
}

/** What {@link waitUntilGreeted} found. */
export interface Greeted {
  readonly greeting: Greeting;
  /** `data.greeting` of the ConfigMap the Greeting owns. */
  readonly text: string;
}

/**
 * Waits until a Greeting is Ready for its current generation and its ConfigMap holds the
 * greeting it reports.
 *
 * @throws {@link GreetingNotReadyError} after `timeout` (default 30 s), naming the last Ready condition;
 * the signal's reason when it aborts.
 */
export async function waitUntilGreeted(client: KubeClient, namespace: string, name: string, options: { signal?: AbortSignal; timeout?: Duration } = {}): Promise<Greeted> {
  const timeoutMs = parseDuration(options.timeout ?? '30s');
  const deadline = Date.now() + timeoutMs;
  let last = 'not found';
  for (;;) {
    options.signal?.throwIfAborted();
    const greeting = await client.get(GreetingKind, name, { namespace, signal: options.signal }).catch((error: unknown) => (isNotFoundError(error) ? undefined : Promise.reject(error)));
    if (greeting) {
      const ready = getCondition(greeting, ReadyCondition);
      last = ready ? `Ready=${ready.status} ${ready.reason}: ${ready.message}` : 'no Ready condition yet';
      if (ready?.status === 'True' && greeting.status?.observedGeneration === greeting.metadata.generation) {
        const configMap = await client.get(ConfigMapKind, configMapNameOf(greeting), { namespace, signal: options.signal });
        const text = configMap.data?.['greeting'];
        if (text !== undefined && text === greeting.status?.greeting) return { greeting, text };
        last = `ConfigMap holds ${JSON.stringify(text)}, status says ${JSON.stringify(greeting.status?.greeting)}`;
      }
    }
    if (Date.now() >= deadline) throw new GreetingNotReadyError(`Greeting/${namespace}/${name} not Ready after ${timeoutMs} ms (${last})`);
    await sleep(100, options.signal);
  }
}
