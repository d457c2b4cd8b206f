/** The events timeline, newest first, filtered by category. */
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { formatTime } from '../common.js';
import type { PageState } from '../state.js';
import type { TimelineCategory } from '../../src/view-model.js';

const categories: readonly { id: TimelineCategory; label: string }[] = [
  { id: 'revision', label: 'new revision' },
  { id: 'applied', label: 'applied' },
  { id: 'drift-detected', label: 'drift detected' },
  { id: 'drift-reverted', label: 'drift reverted' },
  { id: 'pruned', label: 'pruned' },
  { id: 'failed', label: 'failed' },
  { id: 'image-update', label: 'image update' },
  { id: 'canary-step', label: 'canary step' },
  { id: 'other', label: 'other' },
];

function objectLink(object: string) {
  const [kind, namespace, name] = object.split('/');
  if (kind === 'Kustomization') return html`<a href=${`#/kustomizations/${namespace}/${name}`}>${object}</a>`;
  if (kind === 'Canary') return html`<a href=${`#/canaries/${namespace}/${name}`}>${object}</a>`;
  return html`<span>${object}</span>`;
}

export function TimelinePage({ state }: { state: PageState }) {
  const [hidden, setHidden] = useState<ReadonlySet<TimelineCategory>>(new Set());
  const entries = [...state.timeline.values()].filter((entry) => !hidden.has(entry.category)).sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
  const toggle = (id: TimelineCategory) => {
    const next = new Set(hidden);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setHidden(next);
  };
  return html`<section class="timeline">
    <h2>Events <span class="muted small">${state.timeline.size} events</span></h2>
    <div class="filters">${categories.map((category) => html`<label class=${`filter category-${category.id}`}><input type="checkbox" checked=${!hidden.has(category.id)} onChange=${() => toggle(category.id)} /> ${category.label}</label>`)}</div>
    <ol class="events">
      ${entries.map(
        (entry) => html`<li class=${`event category-${entry.category}`} data-category=${entry.category} data-reason=${entry.reason}>
          <time>${formatTime(entry.time)}</time>
          <span class=${`badge category-${entry.category}`}>${categories.find((category) => category.id === entry.category)?.label}</span>
          ${objectLink(entry.object)}
          <span class="reason">${entry.reason}</span>${entry.count > 1 ? html` <span class="muted">×${entry.count}</span>` : ''}
          <pre class="message">${entry.message}</pre>
        </li>`,
      )}
    </ol>
    ${entries.length === 0 ? html`<p class="muted">No events yet.</p>` : null}
  </section>`;
}
