import type { ResourceDefinition } from './resources.js';
import { statusError, type StatusError } from './status-error.js';

/** The verbs of the Kubernetes API, as fault rules name them. */
export type ApiVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** Which requests a fault applies to; every field left out matches all. */
export interface FaultMatch {
  readonly verb?: ApiVerb;
  /** Plural (`configmaps`) or kind (`ConfigMap`). */
  readonly resource?: string;
  readonly namespace?: string;
}

/** An error to answer matching requests with, as a `metav1.Status`. */
export interface ErrorFault extends FaultMatch {
  /** HTTP status code (e.g. 500, 503, 429, 409). */
  readonly code: number;
  /** `metav1.Status` reason; defaults by code (`InternalError`, `ServiceUnavailable`, `TooManyRequests`, `Conflict`). */
  readonly reason?: string;
  readonly message?: string;
  /** How many requests fail before the fault lifts; unlimited when left out. */
  readonly times?: number;
}

/** Added latency for matching requests. */
export interface LatencyFault extends FaultMatch {
  readonly delayMs: number;
}

const defaultReasons: Record<number, string> = { 409: 'Conflict', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout', 403: 'Forbidden', 404: 'NotFound' };

function matches(rule: FaultMatch, verb: ApiVerb, resource: ResourceDefinition, namespace: string | undefined): boolean {
  return (
    (rule.verb === undefined || rule.verb === verb) &&
    (rule.resource === undefined || rule.resource === resource.plural || rule.resource === resource.kind) &&
    (rule.namespace === undefined || rule.namespace === namespace)
  );
}

/**
 * Fault injection for reliability tests: errors for given verbs and kinds, latency, and cutting
 * every open watch stream, so clients' retry and re-list paths run without a real cluster.
 *
 * @remarks Rules apply in the order added; the first matching error rule answers. Removing a rule
 * (the function each method returns) or {@link FaultInjector.clear} lifts it. Latency adds up over
 * every matching rule. Cutting watches ends the HTTP streams; clients see a closed watch, as when
 * an apiserver restarts.
 * @example
 * ```ts
 * import { startApiServer } from '@weft/testkit';
 * await using server = await startApiServer();
 * server.faults.failRequests({ verb: 'update', resource: 'deployments', code: 409, times: 2 });
 * server.faults.addLatency({ verb: 'list', delayMs: 200 });
 * server.faults.cutWatches();
 * ```
 */
export class FaultInjector {
  private errors: { rule: ErrorFault; left: number }[] = [];
  private latencies: LatencyFault[] = [];
  /** Set by the server: closes every open watch. @internal */
  cutWatchStreams: () => number = () => 0;

  /**
   * Answers matching requests with an error.
   *
   * @example
   * ```ts
   * import { startApiServer } from '@weft/testkit';
   * await using server = await startApiServer();
   * const lift = server.faults.failRequests({ verb: 'create', resource: 'configmaps', code: 500, times: 1 });
   * lift(); // the rule is gone before it answered once
   * ```
   */
  failRequests(rule: ErrorFault): () => void {
    const entry = { rule, left: rule.times ?? Number.POSITIVE_INFINITY };
    this.errors.push(entry);
    return () => {
      this.errors = this.errors.filter((candidate) => candidate !== entry);
    };
  }

  /** Delays matching requests (watches: their start) by `delayMs`. */
  addLatency(rule: LatencyFault): () => void {
    this.latencies.push(rule);
    return () => {
      this.latencies = this.latencies.filter((candidate) => candidate !== rule);
    };
  }

  /** Ends every open watch stream now, as an apiserver restart would; returns how many were cut. */
  cutWatches(): number {
    return this.cutWatchStreams();
  }

  /** Lifts every error and latency rule. */
  clear(): void {
    this.errors = [];
    this.latencies = [];
  }

  /** The delay and the error (if any) for a request; consumes one use of a counted error rule. @internal */
  decide(verb: ApiVerb, resource: ResourceDefinition, namespace: string | undefined): { delayMs: number; error?: StatusError } {
    const delayMs = this.latencies.filter((rule) => matches(rule, verb, resource, namespace)).reduce((sum, rule) => sum + rule.delayMs, 0);
    const entry = this.errors.find((candidate) => candidate.left > 0 && matches(candidate.rule, verb, resource, namespace));
    if (!entry) return { delayMs };
    entry.left -= 1;
    const { rule } = entry;
    const reason = rule.reason ?? defaultReasons[rule.code] ?? 'InternalError';
    return { delayMs, error: statusError(rule.code, reason, rule.message ?? `injected fault: ${verb} ${resource.plural} answered ${rule.code} ${reason}`) };
  }
}
