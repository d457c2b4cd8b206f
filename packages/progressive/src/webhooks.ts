/**
 * Calling a Canary's webhooks as Flagger does: POST a JSON payload (name, namespace, phase,
 * checksum, metadata); any status above 202 is a refusal, its body the message; a timeout
 * (default 10 s) and `retries` (transport errors and 5xx) per hook.
 */
import type { Canary, CanaryPhase, CanaryWebhook } from './canary-types.js';
import type { WebhookAnswer } from './advance.js';
import { checksum } from './revision.js';
import { parseDuration, timeoutSignal } from '@weft/reconcile-core';

/** The body of a webhook call (Flagger's CanaryWebhookPayload). */
export interface WebhookPayload {
  readonly name: string;
  readonly namespace: string;
  readonly phase: CanaryPhase;
  readonly checksum: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The payload of a hook call for a Canary in a phase. */
export function webhookPayload(canary: Canary, phase: CanaryPhase, metadata?: Readonly<Record<string, string>>): WebhookPayload {
  return {
    name: canary.metadata.name,
    namespace: canary.metadata.namespace,
    phase,
    checksum: checksum({ trackedConfigs: canary.status?.trackedConfigs ?? null, lastAppliedSpec: canary.status?.lastAppliedSpec ?? '' }),
    ...(metadata ? { metadata } : {}),
  };
}

/** Options of {@link callWebhook}. */
export interface CallWebhookOptions {
  readonly signal?: AbortSignal;
  /** Pause between retries; default 1 s. */
  readonly retryDelayMs?: number;
}

/**
 * POSTs the payload to the hook and says whether it approved.
 *
 * @remarks Never throws for the hook's answer or a transport error (those are refusals, with the
 * reason); throws only when `signal` aborts.
 */
export async function callWebhook(hook: CanaryWebhook, payload: WebhookPayload, options: CallWebhookOptions = {}): Promise<WebhookAnswer> {
  const timeoutMs = hook.timeout && hook.timeout.length >= 2 ? parseDuration(hook.timeout) : 10_000;
  const attempts = 1 + Math.max(0, hook.retries ?? 0);
  let last: WebhookAnswer = { ok: false, message: 'not called' };
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 1000));
    options.signal?.throwIfAborted();
    // Not AbortSignal.timeout(): a hook's `timeout: 1000h` (past 2^31−1 ms) would time out after 1 ms.
    const deadline = timeoutSignal(timeoutMs);
    const timeout = deadline.signal;
    try {
      const response = await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout });
      const body = await response.text();
      if (response.status <= 202) return { ok: true };
      last = { ok: false, message: body || `status ${response.status}` };
      if (response.status < 500) return last;
    } catch (error) {
      options.signal?.throwIfAborted();
      last = { ok: false, message: timeout.aborted ? `webhook ${hook.name} timed out after ${timeoutMs} ms` : `webhook ${hook.name}: ${(error as Error).message}` };
    } finally {
      deadline.clear();
    }
  }
  return last;
}
