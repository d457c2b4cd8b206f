/** Canaries: where each release stands, and one release's weight and metrics over time. */
import { html } from '../html.js';
import { ActionButtons, HealthBadge, formatTime } from '../common.js';
import { CanaryChart } from '../chart.js';
import type { PageState } from '../state.js';

export function CanariesPage({ state }: { state: PageState }) {
  const canaries = [...state.canaries.values()];
  return html`<section class="canaries">
    <h2>Canaries</h2>
    ${!state.served.Canary && canaries.length === 0
      ? html`<p class="muted">Not shown: the cluster does not serve Canaries (progressive.weft.dev/v1) yet, or this operator runs without its canary controller (<code>weft install --components-extra progressive</code>).</p>`
      : canaries.length === 0
        ? html`<p class="muted">No canaries.</p>`
        : html`<table>
            <thead><tr><th>Canary</th><th>Target</th><th>Phase</th><th>Weight</th><th>Failed checks</th><th>Status</th></tr></thead>
            <tbody>${canaries.map(
              (canary) => html`<tr data-id=${canary.id}>
                <td><a href=${`#/canaries/${canary.namespace}/${canary.name}`}>${canary.namespace}/${canary.name}</a></td>
                <td>${canary.target}</td><td>${canary.phase}</td><td>${canary.weight}%</td><td>${canary.failedChecks}</td>
                <td><${HealthBadge} health=${canary.health} text=${canary.phase} /></td>
              </tr>`,
            )}</tbody>
          </table>`}
  </section>`;
}

export function CanaryPage({ state, namespace, name }: { state: PageState; namespace: string; name: string }) {
  const id = `Canary/${namespace}/${name}`;
  const canary = state.canaries.get(id);
  const samples = state.canaryHistory.get(id) ?? [];
  if (!canary) return html`<section><h2>Canary ${namespace}/${name}</h2><p class="muted">Not found (yet).</p></section>`;
  const steps = [...state.timeline.values()].filter((entry) => entry.object === id).sort((a, b) => b.time - a.time).slice(0, 20);
  return html`<section class="canary">
    <h2>Canary ${namespace}/${name} <${HealthBadge} health=${canary.health} text=${canary.phase} /></h2>
    <dl class="facts">
      <dt>Target</dt><dd>${canary.target}</dd>
      <dt>Weight</dt><dd data-weight=${canary.weight}>${canary.weight}%</dd>
      <dt>Failed checks</dt><dd>${canary.failedChecks}</dd>
      <dt>Iterations</dt><dd>${canary.iterations}</dd>
      <dt>Status</dt><dd>${canary.message || '—'}${canary.paused ? ' · paused' : ''}</dd>
    </dl>
    <${ActionButtons}
      target=${id}
      enabled=${state.writeActions}
      actions=${[{ name: 'promote', label: 'Promote' }, { name: 'abort', label: 'Abort' }, { name: 'retry', label: 'Retry' }, canary.paused ? { name: 'unpause', label: 'Resume' } : { name: 'pause', label: 'Pause' }]}
    />
    <h3>Weight and metrics <span class="muted small">${samples.length} samples</span></h3>
    ${samples.length === 0 ? html`<p class="muted">No steps recorded yet.</p>` : html`<${CanaryChart} samples=${samples} metrics=${canary.metrics} />`}
    <h3>Steps</h3>
    <ol class="events">${steps.map((entry) => html`<li class=${`event category-${entry.category}`}><time>${formatTime(entry.time)}</time> <span class="reason">${entry.reason}</span> <pre class="message">${entry.message}</pre></li>`)}</ol>
  </section>`;
}
