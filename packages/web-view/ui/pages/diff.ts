/** One object's desired state from git against the live one (asked once per visit; Secret values masked by the server). */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { HealthBadge, session, shortRevision } from '../common.js';
import { apiHeaders } from '../live.js';
import type { PageState } from '../state.js';
import type { ObjectDiffView } from '../../src/view-model.js';

export function DiffPage({ state, namespace, name, objectId }: { state: PageState; namespace: string; name: string; objectId: string }) {
  const [diff, setDiff] = useState<ObjectDiffView | { error: string } | undefined>(undefined);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setDiff(undefined);
    fetch(`api/diff?kustomization=${encodeURIComponent(`${namespace}/${name}`)}&object=${encodeURIComponent(objectId)}`, { headers: apiHeaders(session.token), signal: abort.signal })
      .then(async (response) => setDiff(response.ok ? ((await response.json()) as ObjectDiffView) : { error: (await response.json().catch(() => ({}))).error ?? `HTTP ${response.status}` }))
      .catch((error: Error) => abort.signal.aborted || setDiff({ error: error.message }));
    return () => abort.abort();
  }, [namespace, name, objectId, asked]);
  const object = state.objects.get(objectId);
  return html`<section class="diff">
    <h2>${object ? `${object.kind}/${object.namespace ? `${object.namespace}/` : ''}${object.name}` : objectId} ${object ? html`<${HealthBadge} health=${object.health} />` : null}</h2>
    <p class="muted">Git (<a href=${`#/kustomizations/${namespace}/${name}`}>Kustomization ${namespace}/${name}</a>) against the live object. <button type="button" onClick=${() => setAsked(asked + 1)}>Compare again</button></p>
    ${diff === undefined
      ? html`<p class="muted">Comparing (a server-side dry run)…</p>`
      : 'error' in diff
        ? html`<p class="action-error">${diff.error}</p>`
        : html`<div>
            <p><span class=${`badge diff-${diff.status}`} data-status=${diff.status}>${diff.status}</span> revision ${shortRevision(diff.revision)}${diff.file ? html` · file <code>${diff.file}</code>` : ''}${diff.message ? html` · ${diff.message}` : ''}</p>
            ${diff.paths.length > 0 ? html`<p>Fields that differ: ${diff.paths.map((path) => html`<code class="path">${path}</code> `)}</p>` : null}
            ${diff.unified ? html`<pre class="unified">${diff.unified.split('\n').map((line) => html`<span class=${line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : ''}>${line}\n</span>`)}</pre>` : diff.status === 'in-sync' ? html`<p>The live object is what git declares.</p>` : null}
          </div>`}
    ${object && object.managers.length > 0 ? html`<h3>Field managers</h3><ul>${object.managers.map((manager) => html`<li>${manager.manager} <span class="muted">${manager.operation}${manager.subresource ? `/${manager.subresource}` : ''} · ${manager.fields} fields${manager.time ? ` · ${manager.time}` : ''}</span></li>`)}</ul>` : null}
  </section>`;
}
