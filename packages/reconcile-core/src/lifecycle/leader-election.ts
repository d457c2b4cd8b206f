import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import type { KubeClient } from '../client/kube-client.js';
import { isAlreadyExistsError, isConflictError, isNotFoundError } from '../client/errors.js';
import { sleep } from '../timers.js';
import { parseDuration, type Duration } from '../duration.js';
import { WeftError } from '../errors.js';
import { LeaseKind, type ObjectOf } from '../resource/kinds.js';

type Lease = ObjectOf<typeof LeaseKind>;

/** The client verbs leader election uses (a {@link KubeClient} has them). */
export type LeaseClient = Pick<KubeClient, 'get' | 'create' | 'update'>;

/** Options of {@link LeaderElector}. */
export interface LeaderElectionOptions {
  /** Name of the Lease, shared by every replica that competes (e.g. `web-operator`). */
  readonly name: string;
  /** Namespace of the Lease. Default `default`. */
  readonly namespace?: string;
  /** This replica's identity. Default `<hostname>_<random uuid>`, unique per process. */
  readonly identity?: string;
  /** How long a lease holds without renewal before others may take it. Default `15s`. */
  readonly leaseDuration?: Duration;
  /** How long the leader keeps trying to renew before it gives leadership up. Default `10s`. */
  readonly renewDeadline?: Duration;
  /** How often to try to acquire or renew. Default `2s`. */
  readonly retryPeriod?: Duration;
  /** Release the lease when the run's signal aborts, so another replica takes over at once. Default true. */
  readonly releaseOnCancel?: boolean;
  /** Called when this replica becomes leader. */
  readonly onStartedLeading?: () => void;
  /** Called when this replica stops being leader (lost the lease, or released it on shutdown). */
  readonly onStoppedLeading?: () => void;
  /** Called when the observed holder of the lease changes (including to this replica). */
  readonly onNewLeader?: (identity: string) => void;
  /** Called with each failed lease read or write; the elector keeps trying. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Leader election options that do not hold together (e.g. `renewDeadline` ≥ `leaseDuration`).
 *
 * @remarks Not retryable: fix the options.
 * @example
 * ```ts
 * import { LeaderElector, LeaderElectionConfigError } from '@weft/reconcile-core';
 * try { new LeaderElector(client, { name: 'op', renewDeadline: '20s' }); } catch (e) { if (e instanceof LeaderElectionConfigError) console.error(e.message); }
 * ```
 */
export class LeaderElectionConfigError extends WeftError {
  override name = 'LeaderElectionConfigError';
}

/** RFC 3339 with microseconds, as `metav1.MicroTime` serialises. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's semantics: one replica
 * holds the lease and renews it; others take it over once it has not been renewed for a lease
 * duration.
 *
 * @remarks
 * Guarantees:
 * - Writes are optimistic (they carry the Lease's resourceVersion), so two replicas never both
 *   believe they acquired the same lease version.
 * - Expiry is judged by this process's clock from when it last saw the lease change (as client-go
 *   does), so clock skew between replicas does not matter. A follower therefore takes over at most
 *   `leaseDuration + retryPeriod` after the leader's last renewal it observed.
 * - The leader gives leadership up (emits `false`) when it could not renew for `renewDeadline`,
 *   before the lease can expire for the others.
 * - When the run's signal aborts, a leader releases the lease (empty holder, 1 s duration), so a
 *   follower acquires it on its next try instead of waiting for expiry.
 *
 * Caveats: after losing leadership the elector keeps competing and may lead again; stop your
 * leader-only work on every `false`.
 * @throws The constructor throws {@link LeaderElectionConfigError} for inconsistent timings.
 * @example
 * ```ts
 * import { LeaderElector } from '@weft/reconcile-core';
 * const elector = new LeaderElector(client, { name: 'web-operator', namespace: 'operators' });
 * elector.leading$.subscribe((leading) => (leading ? startControllers() : stopControllers()));
 * await elector.run({ signal });
 * ```
 */
export class LeaderElector {
  /** This replica's identity, written as the Lease's `holderIdentity` while it leads. */
  readonly identity: string;
  /** Whether this replica leads: `false` first, then every change. New subscribers get the current value. */
  readonly leading$: Observable<boolean>;
  private readonly leading = new BehaviorSubject<boolean>(false);
  private readonly namespace: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: { spec: string; at: number; holder: string } | undefined;
  private lease: Lease | undefined;
  private started = false;

  constructor(
    private readonly client: LeaseClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.namespace = options.namespace ?? 'default';
    this.leaseDurationMs = parseDuration(options.leaseDuration ?? '15s');
    this.renewDeadlineMs = parseDuration(options.renewDeadline ?? '10s');
    this.retryPeriodMs = parseDuration(options.retryPeriod ?? '2s');
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new LeaderElectionConfigError(`leader election ${options.name}: leaseDuration must be greater than renewDeadline`);
    if (this.renewDeadlineMs <= this.retryPeriodMs) throw new LeaderElectionConfigError(`leader election ${options.name}: renewDeadline must be greater than retryPeriod`);
    if (this.leaseDurationMs < 1000) throw new LeaderElectionConfigError(`leader election ${options.name}: leaseDuration must be at least 1s (the Lease stores whole seconds)`);
    this.leading$ = this.leading.pipe(distinctUntilChanged());
  }

  /** Whether this replica leads right now. */
  get isLeader(): boolean {
    return this.leading.value;
  }

  /**
   * Competes for the lease until the signal aborts; leads while it holds it. Resolves after the
   * signal aborted (and the lease was released, if this replica led and `releaseOnCancel`).
   *
   * @remarks Never rejects for API errors: they are reported to `onError` and retried every
   * `retryPeriod`. The `leading$` stream completes when the run ends.
   * @throws {@link LeaderElectionConfigError} when called a second time (one run per elector).
   * @example
   * ```ts
   * import { controller } from '@weft/reconcile-core';
   * const controller = new AbortController();
   * process.once('SIGTERM', () => controller.abort());
   * await elector.run({ signal: controller.signal });
   * ```
   */
  async run(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.started) throw new LeaderElectionConfigError(`leader election ${this.options.name}: run() can be called once per LeaderElector`);
    this.started = true;
    const signal = options.signal;
    try {
      while (!signal?.aborted) {
        if (!(await this.tryAcquireOrRenew(signal, this.retryPeriodMs))) {
          await sleep(this.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
          continue;
        }
        this.setLeading(true);
        let lastRenewal = Date.now();
        while (!signal?.aborted) {
          await sleep(this.retryPeriodMs, signal);
          if (signal?.aborted) break;
          const remaining = this.renewDeadlineMs - (Date.now() - lastRenewal);
          if (remaining > 0 && (await this.tryAcquireOrRenew(signal, remaining))) {
            lastRenewal = Date.now();
          } else if (Date.now() - lastRenewal >= this.renewDeadlineMs) {
            this.setLeading(false);
            break;
          }
        }
      }
      if (this.isLeader && (this.options.releaseOnCancel ?? true)) await this.release();
      this.setLeading(false);
    } finally {
      this.leading.complete();
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading.value === leading) return;
    this.leading.next(leading);
    if (leading) this.options.onStartedLeading?.();
    else this.options.onStoppedLeading?.();
  }

  /** One attempt, as client-go's `tryAcquireOrRenew`: create, take an expired or empty lease, or renew ours. */
  private async tryAcquireOrRenew(signal: AbortSignal | undefined, timeout: number): Promise<boolean> {
    const now = Date.now();
    const call = { signal, timeout };
    const where = { ...call, namespace: this.namespace };
    const durationSeconds = Math.round(this.leaseDurationMs / 1000);
    try {
      let current: Lease;
      try {
        current = await this.client.get(LeaseKind, this.options.name, where);
      } catch (error) {
        if (!isNotFoundError(error)) throw error;
        const created = await this.client.create<Lease>(
          {
            apiVersion: LeaseKind.apiVersion,
            kind: LeaseKind.kind,
            metadata: { name: this.options.name, namespace: this.namespace },
            spec: { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 } as unknown as Lease['spec'],
          },
          { ...call, kind: LeaseKind },
        );
        this.observe(created, Date.now());
        return true;
      }
      this.observe(current, now);
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const observedAt = this.observed?.at ?? now;
      const validFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (holder !== '' && holder !== this.identity && observedAt + validFor > now) return false;
      const ours = holder === this.identity;
      const updated = await this.client.update<Lease>(
        {
          ...current,
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: ours && spec.acquireTime ? spec.acquireTime : microTime(now),
            renewTime: microTime(now),
            leaseTransitions: ours ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
          } as unknown as Lease['spec'],
        },
        { ...call, kind: LeaseKind },
      );
      this.observe(updated, Date.now());
      return true;
    } catch (error) {
      if (!isConflictError(error) && !isAlreadyExistsError(error) && !signal?.aborted) this.options.onError?.(error);
      return false;
    }
  }

  /** Records the lease as seen; the expiry clock restarts only when its spec changed. */
  private observe(lease: Lease, at: number): void {
    this.lease = lease;
    const spec = JSON.stringify(lease.spec ?? {});
    if (this.observed?.spec === spec) return;
    const holder = lease.spec?.holderIdentity ?? '';
    const previousHolder = this.observed?.holder;
    this.observed = { spec, at, holder };
    if (holder !== '' && holder !== previousHolder) this.options.onNewLeader?.(holder);
  }

  /** Gives the lease up: empty holder and a 1 s duration, written only over our own version. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    const now = microTime(Date.now());
    try {
      const released = await this.client.update<Lease>(
        { ...lease, spec: { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec?.leaseTransitions ?? 0 } as unknown as Lease['spec'] },
        { kind: LeaseKind, timeout: this.renewDeadlineMs },
      );
      this.observe(released, Date.now());
    } catch (error) {
      // A conflict means another replica already took the lease: nothing to release.
      if (!isConflictError(error)) this.options.onError?.(error);
    }
  }
}
