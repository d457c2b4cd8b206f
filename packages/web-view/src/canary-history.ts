import type { CanarySample, CanaryView, TimelineEntry } from './view-model.js';

/** Samples kept per Canary: at a 10 s analysis interval, well over an hour of steps. */
const samplesPerCanary = 500;

/**
 * A Canary's release over time: a sample each time its status moves (phase, weight, failed
 * checks), with the metric values seen by then.
 *
 * @remarks Metric values come from {@link CanaryHistory.recordMetric} (a metric provider or a
 * hook of the user's) and from the Canary's own events: a failed check is reported as
 * `Halt … advancement <metric> <value> < <min>` (or `> <max>`), and that value is recorded.
 * `@weft/progressive` does not publish the values of passing checks yet; see the package README.
 */
export class CanaryHistory {
  private readonly samples = new Map<string, CanarySample[]>();
  private readonly pendingMetrics = new Map<string, Record<string, number>>();
  private readonly lastState = new Map<string, string>();
  private readonly seenEvents = new Set<string>();
  private fresh = new Map<string, CanarySample[]>();

  /** Records the canaries' current state; a sample is added for each whose state moved. */
  observe(canaries: readonly CanaryView[], now: number): void {
    for (const canary of canaries) {
      const state = `${canary.phase}|${canary.weight}|${canary.failedChecks}|${canary.iterations}`;
      const metrics = this.pendingMetrics.get(canary.id);
      if (this.lastState.get(canary.id) === state && !metrics) continue;
      this.lastState.set(canary.id, state);
      this.pendingMetrics.delete(canary.id);
      this.add(canary.id, { time: now, phase: canary.phase, weight: canary.weight, failedChecks: canary.failedChecks, metrics: metrics ?? {} });
    }
  }

  /** Reads the metric values failed checks report in the Canaries' events. */
  observeEvents(entries: readonly TimelineEntry[]): void {
    for (const entry of entries) {
      if (entry.category !== 'canary-step') continue;
      const key = `${entry.id}|${entry.count}`;
      if (this.seenEvents.has(key)) continue;
      this.seenEvents.add(key);
      const found = /advancement ([\w.-]+) (-?[\d.]+(?:e[+-]?\d+)?) [<>] -?[\d.]+/.exec(entry.message);
      if (found) this.recordMetric(entry.object, found[1]!, Number(found[2]));
    }
  }

  /** Records a metric value of a Canary (`Canary/<namespace>/<name>`), shown with its next sample. */
  recordMetric(canaryId: string, metric: string, value: number): void {
    if (!Number.isFinite(value)) return;
    const pending = this.pendingMetrics.get(canaryId) ?? {};
    pending[metric] = value;
    this.pendingMetrics.set(canaryId, pending);
  }

  /** Forgets Canaries that are gone. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of [...this.samples.keys()]) {
      if (ids.has(id)) continue;
      this.samples.delete(id);
      this.lastState.delete(id);
    }
  }

  /** Every sample, per Canary id. */
  all(): Record<string, CanarySample[]> {
    return Object.fromEntries(this.samples);
  }

  /** The samples added since the last call. */
  takeFresh(): Record<string, CanarySample[]> | undefined {
    if (this.fresh.size === 0) return undefined;
    const fresh = Object.fromEntries(this.fresh);
    this.fresh = new Map();
    return fresh;
  }

  private add(id: string, sample: CanarySample): void {
    const list = this.samples.get(id) ?? [];
    list.push(sample);
    if (list.length > samplesPerCanary) list.splice(0, list.length - samplesPerCanary);
    this.samples.set(id, list);
    const fresh = this.fresh.get(id) ?? [];
    fresh.push(sample);
    this.fresh.set(id, fresh);
  }
}
