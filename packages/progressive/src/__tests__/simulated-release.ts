/**
 * A release without a cluster: the Canary, its target, primary and routes as plain values, and a
 * `tick()` that decides with `decide()` and applies the actions the way the reconciler would.
 * Each tick records (phase, canaryWeight, failedChecks, iterations) and the route weights, the
 * same tuple the side-by-side test compares with Flagger.
 */
import type { Canary, CanaryAnalysis, CanarySpec, RouterProvider } from '../canary-types.js';
import { decide, type Action, type Check, type CheckAnswer, type Readiness } from '../advance.js';

export interface Step {
  readonly phase: string | undefined;
  readonly canaryWeight: number;
  readonly failedChecks: number;
  readonly iterations: number;
  readonly routes: string;
}

export type Answerer = (check: Check) => CheckAnswer;

export const passAll: Answerer = (check) => (check.kind === 'webhook' ? { ok: true } : { kind: 'value', value: 99 });

export class SimulatedRelease {
  canary: Canary;
  target = { revision: 'rev-1', trackedConfigs: {} as Record<string, string>, readiness: { ready: true } as Readiness, replicas: 2 };
  primary: { revision: string; readiness: Readiness } | undefined;
  routes = { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  answer: Answerer = passAll;
  readonly checks: Check[][] = [];
  readonly actions: Action[][] = [];
  now = new Date('2026-01-01T00:00:00Z');

  constructor(
    analysis: Partial<CanaryAnalysis> | undefined,
    readonly provider: RouterProvider = 'gatewayapi:v1',
    spec: Partial<CanarySpec> = {},
  ) {
    this.canary = {
      apiVersion: 'progressive.weft.dev/v1',
      kind: 'Canary',
      metadata: { name: 'web', namespace: 'apps', generation: 1 },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        service: { port: 80 },
        ...(analysis ? { analysis: { interval: '10s', threshold: 2, ...analysis } } : {}),
        ...spec,
      },
      status: { phase: 'Initializing' },
    };
  }

  /** Runs one analysis tick and returns the recorded step. */
  tick(): Step {
    const { actions, status, checks } = decide(
      {
        canary: this.canary,
        provider: this.provider,
        target: this.target,
        primary: this.primary ? this.primary.readiness : 'missing',
        routes: this.observedRoutes(),
        now: this.now,
      },
      this.answer,
    );
    this.checks.push([...checks]);
    this.actions.push([...actions]);
    for (const action of actions) this.apply(action);
    void status;
    this.now = new Date(this.now.getTime() + 10_000);
    return this.step();
  }

  /** Ticks until the phase is one of `phases` (at most `limit` ticks); returns every step taken. */
  runUntil(phases: readonly string[], limit = 40): Step[] {
    const steps: Step[] = [];
    for (let i = 0; i < limit; i++) {
      steps.push(this.tick());
      if (phases.includes(this.canary.status?.phase ?? '')) return steps;
    }
    throw new Error(`no ${phases.join('/')} after ${limit} ticks: ${JSON.stringify(steps.slice(-3))}`);
  }

  /** Initialises (primary created and ready) and leaves the Canary Initialized. */
  initialize(): void {
    this.tick();
    this.runUntil(['Initialized']);
  }

  /** A new revision of the target's pod template. */
  release(revision = 'rev-2'): void {
    this.target = { ...this.target, revision };
  }

  step(): Step {
    const status = this.canary.status ?? {};
    const routes = this.observedRoutes();
    return {
      phase: status.phase,
      canaryWeight: status.canaryWeight ?? 0,
      failedChecks: status.failedChecks ?? 0,
      iterations: status.iterations ?? 0,
      routes: `${routes.primaryWeight}/${routes.canaryWeight}${routes.mirrored ? ' mirrored' : ''}`,
    };
  }

  types(tick: number): string[] {
    return this.actions[tick]!.map((action) => action.type);
  }

  events(tick: number): string[] {
    return this.actions[tick]!.flatMap((action) => (action.type === 'event' ? [action.message] : []));
  }

  /** What the router reads back; the kubernetes provider's routes follow the iterations, as Flagger's NopRouter. */
  private observedRoutes() {
    if (this.provider === 'kubernetes') return (this.canary.status?.iterations ?? 0) > 0 ? { primaryWeight: 0, canaryWeight: 100, mirrored: false } : { primaryWeight: 100, canaryWeight: 0, mirrored: false };
    return this.routes;
  }

  private apply(action: Action): void {
    switch (action.type) {
      case 'createPrimary':
        this.primary = { revision: this.target.revision, readiness: { ready: true } };
        break;
      case 'setRoutes':
        this.routes = { primaryWeight: action.primaryWeight, canaryWeight: action.canaryWeight, mirrored: action.mirrored };
        break;
      case 'promote':
        this.primary = { revision: this.target.revision, readiness: this.primary?.readiness ?? { ready: true } };
        break;
      case 'scaleTargetToZero':
        this.target = { ...this.target, replicas: 0 };
        break;
      case 'scaleTargetFromZero':
        this.target = { ...this.target, replicas: 2 };
        break;
      case 'updateStatus':
        this.canary = { ...this.canary, status: action.status };
        break;
      default:
        break;
    }
  }
}

/** Answers by check: webhooks by name (default ok), metrics by name (default 99). */
export function answers(options: { hooks?: Record<string, boolean>; metrics?: Record<string, number | 'noData' | 'error'> }): Answerer {
  return (check) => {
    if (check.kind === 'webhook') return { ok: options.hooks?.[check.webhook.name] ?? true, message: 'hook says no' };
    const value = options.metrics?.[check.metric.name] ?? 99;
    if (value === 'noData') return { kind: 'noData', message: 'no values found' };
    if (value === 'error') return { kind: 'error', message: 'query failed' };
    return { kind: 'value', value };
  };
}

export function fmt(steps: readonly Step[]): string[] {
  return steps.map((step) => `${step.phase} w=${step.canaryWeight} f=${step.failedChecks} i=${step.iterations} r=${step.routes}`);
}
