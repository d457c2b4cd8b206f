/** A Kustomization and its inventory as a tree: namespace → kind → object, each with its health and field managers. */
import { html } from '../html.js';
import { ActionButtons, HealthBadge, shortRevision } from '../common.js';
import type { PageState } from '../state.js';
import type { ObjectView } from '../../src/view-model.js';

export function InventoryPage({ state, namespace, name }: { state: PageState; namespace: string; name: string }) {
  const kustomization = state.kustomizations.get(`Kustomization/${namespace}/${name}`);
  if (!kustomization) return html`<section><h2>Kustomization ${namespace}/${name}</h2><p class="muted">Not found (yet).</p></section>`;
  const objects = kustomization.inventory.map((id) => state.objects.get(id) ?? ({ id, apiVersion: '', kind: id.split('_')[3] ?? '', name: id.split('_')[1] ?? id, health: 'unknown', reason: 'not seen yet', managers: [] } as ObjectView));
  const tree = new Map<string, Map<string, ObjectView[]>>();
  for (const object of objects) {
    const byKind = tree.get(object.namespace ?? '(cluster)') ?? new Map<string, ObjectView[]>();
    const list = byKind.get(object.kind) ?? [];
    list.push(object);
    byKind.set(object.kind, list);
    tree.set(object.namespace ?? '(cluster)', byKind);
  }
  const source = state.sources.get(kustomization.source);
  return html`<section class="inventory">
    <h2>Kustomization ${kustomization.namespace}/${kustomization.name} <${HealthBadge} health=${kustomization.health} /></h2>
    <dl class="facts">
      <dt>Ready</dt><dd>${kustomization.reason || '—'}: ${kustomization.message || '—'}</dd>
      <dt>Source</dt><dd>${kustomization.source} ${source ? html`(${source.ref}, ${shortRevision(source.revision)})` : ''}</dd>
      <dt>Path</dt><dd>${kustomization.path}</dd>
      <dt>Applied</dt><dd>${shortRevision(kustomization.lastAppliedRevision)}${kustomization.lastAttemptedRevision && kustomization.lastAttemptedRevision !== kustomization.lastAppliedRevision ? html` <span class="warn">(attempted ${shortRevision(kustomization.lastAttemptedRevision)})</span>` : ''}</dd>
      <dt>Depends on</dt><dd>${kustomization.dependsOn.length === 0 ? '—' : kustomization.dependsOn.map((id) => html`<a href=${`#/kustomizations/${id.split('/')[1]}/${id.split('/')[2]}`}>${id.split('/').slice(1).join('/')}</a> `)}</dd>
      <dt>Prune</dt><dd>${kustomization.prune ? 'on' : 'off'}${kustomization.suspended ? ' · suspended' : ''}</dd>
    </dl>
    <${ActionButtons}
      target=${kustomization.id}
      enabled=${state.writeActions}
      actions=${[{ name: 'reconcile', label: 'Reconcile now' }, kustomization.suspended ? { name: 'resume', label: 'Resume' } : { name: 'suspend', label: 'Suspend' }]}
    />
    <h3>Inventory <span class="muted small">${objects.length} objects</span></h3>
    <ul class="tree">
      ${[...tree.entries()].sort().map(
        ([ns, byKind]) => html`<li><span class="tree-label">${ns}</span>
          <ul>${[...byKind.entries()].sort().map(
            ([kind, list]) => html`<li><span class="tree-label">${kind} <span class="muted">(${list.length})</span></span>
              <ul>${list.map(
                (object) => html`<li class="object" data-id=${object.id}>
                  <${HealthBadge} health=${object.health} />
                  <a href=${`#/diff/${kustomization.namespace}/${kustomization.name}/${encodeURIComponent(object.id)}`}>${object.name}</a>
                  <span class="muted small">${object.reason}</span>
                  <div class="managers">${object.managers.map((manager) => html`<span class="manager" title=${`${manager.operation}${manager.subresource ? ` (${manager.subresource})` : ''}${manager.time ? ` at ${manager.time}` : ''}`}>${manager.manager} <span class="muted">${manager.operation}${manager.subresource ? `/${manager.subresource}` : ''} · ${manager.fields} fields</span></span>`)}</div>
                </li>`,
              )}</ul></li>`,
          )}</ul></li>`,
      )}
    </ul>
  </section>`;
}
