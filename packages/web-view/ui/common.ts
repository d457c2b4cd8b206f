/** Pieces every page uses: health badges, short revisions, the action buttons. */
import { useState } from 'preact/hooks';
import type { ActionName, HealthView } from '../src/view-model.js';
import { html } from './html.js';
import { apiHeaders } from './live.js';

export const healthLabel: Readonly<Record<HealthView, string>> = {
  healthy: 'Ready',
  progressing: 'Progressing',
  failed: 'Failed',
  suspended: 'Suspended',
  terminating: 'Terminating',
  missing: 'Missing',
  unknown: 'Unknown',
};

export function HealthBadge({ health, text }: { health: HealthView; text?: string }) {
  return html`<span class=${`badge health-${health}`}>${text ?? healthLabel[health]}</span>`;
}

/** `main@sha1:1a2b3c4d…` as people quote commits: `main@sha1:1a2b3c4`. */
export function shortRevision(revision: string | undefined): string {
  if (!revision) return '—';
  return revision.replace(/(sha1:[0-9a-f]{7})[0-9a-f]{33}\b/, '$1').replace(/(sha256:[0-9a-f]{12})[0-9a-f]{52}\b/, '$1');
}

export function formatTime(time: number): string {
  return new Date(time).toLocaleTimeString([], { hour12: false });
}

/** The page's token, shared by every request. */
export const session: { token: string | undefined } = { token: undefined };

/**
 * Buttons for the actions of one object. Disabled, with the reason, unless the operator enabled
 * write actions; the server refuses them then anyway.
 */
export function ActionButtons({ target, actions, enabled }: { target: string; actions: readonly { name: ActionName; label: string }[]; enabled: boolean }) {
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (action: ActionName) => {
    setBusy(true);
    try {
      const response = await fetch('api/actions', { method: 'POST', headers: { ...apiHeaders(session.token), 'content-type': 'application/json' }, body: JSON.stringify({ action, target }) });
      const body = await response.json().catch(() => ({}));
      setResult(response.ok ? { ok: true, text: body.message ?? 'done' } : { ok: false, text: body.error ?? `HTTP ${response.status}` });
    } catch (error) {
      setResult({ ok: false, text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const title = enabled ? undefined : 'read-only: the operator did not enable write actions';
  return html`<div class="actions">
    ${actions.map((action) => html`<button type="button" data-action=${action.name} disabled=${!enabled || busy} title=${title} onClick=${() => run(action.name)}>${action.label}</button>`)}
    ${!enabled ? html`<span class="muted">read-only</span>` : null}
    ${result ? html`<span class=${result.ok ? 'action-ok' : 'action-error'} role="status">${result.text}</span>` : null}
  </div>`;
}
