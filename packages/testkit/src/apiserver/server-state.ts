import type { FaultInjector } from './faults.js';
import type { ResourceRegistry } from './registry.js';
import type { ResourceDefinition } from './resources.js';
import type { ObjectStore } from './storage.js';

/** What every verb works on: the store, the served resources, the faults to inject. */
export interface ServerState {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly faults: FaultInjector;
  /**
   * Queues what kube-controller-manager's loops would do after the request: a garbage collection
   * pass (dependents, namespace and CRD cleanup). The verbs call this instead of the collector, so
   * they and the collector (which writes and deletes through them) do not import each other.
   */
  scheduleGarbageCollection(): void;
}

/** A request for a resource, parsed from its path and query. */
export interface ResourceRequest {
  readonly resource: ResourceDefinition;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly query: URLSearchParams;
  /** The client's User-Agent, whose product name is the default field manager. */
  readonly userAgent: string;
  /** Warnings for the answer's `Warning` headers (unknown fields under `fieldValidation=Warn`). */
  readonly warnings?: string[];
}

/** The field manager of a write: `?fieldManager=`, else the User-Agent's product (`kubectl-client-side-apply`, `curl`). */
export function fieldManagerOf(request: ResourceRequest): string {
  const explicit = request.query.get('fieldManager');
  if (explicit) return explicit;
  const product = request.userAgent.split('/')[0]?.trim();
  return product ? product.slice(0, 128) : 'unknown';
}

/** Whether `?dryRun=All` asks for a write that is checked and answered but not stored. */
export function isDryRun(query: URLSearchParams): boolean {
  return query.getAll('dryRun').includes('All');
}

/** The answer to a request: a status code and a JSON body. */
export interface ApiResponse {
  readonly code: number;
  readonly body: unknown;
}
