/** The pipeline graph: GitRepository → Kustomizations → objects, dependsOn edges, coloured by health. */
import { useMemo } from 'preact/hooks';
import { html } from '../html.js';
import { healthLabel, shortRevision } from '../common.js';
import { layoutGraph, type Edge } from '../graph-layout.js';
import type { PageState } from '../state.js';

function edgePath(edge: Edge): string {
  const middle = (edge.from.x + edge.to.x) / 2;
  return `M${edge.from.x},${edge.from.y} C${middle},${edge.from.y} ${middle},${edge.to.y} ${edge.to.x},${edge.to.y}`;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function PipelinePage({ state }: { state: PageState }) {
  const layout = useMemo(() => layoutGraph(state.sources, state.kustomizations, state.objects), [state.version]);
  if (state.kustomizations.size === 0 && state.sources.size === 0) {
    return html`<section><h2>Pipeline</h2><p class="muted">No GitRepositories or Kustomizations yet.</p></section>`;
  }
  const counts = { healthy: 0, progressing: 0, failed: 0, suspended: 0 } as Record<string, number>;
  for (const kustomization of state.kustomizations.values()) counts[kustomization.health] = (counts[kustomization.health] ?? 0) + 1;
  return html`<section class="pipeline">
    <h2>Pipeline <span class="muted small">${state.sources.size} sources · ${state.kustomizations.size} Kustomizations · ${state.objects.size} objects · ${Object.entries(counts).filter(([, n]) => n > 0).map(([health, n]) => `${n} ${healthLabel[health as keyof typeof healthLabel].toLowerCase()}`).join(', ')}</span></h2>
    <div class="graph-scroll">
    <svg id="pipeline-graph" width=${layout.width} height=${layout.height} viewBox=${`0 0 ${layout.width} ${layout.height}`} role="img" aria-label="pipeline graph">
      <defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="arrow"/></marker></defs>
      ${layout.edges.map((edge) => html`<path class=${`edge edge-${edge.kind} stroke-${edge.health}`} d=${edgePath(edge)} marker-end=${edge.kind === 'dependsOn' ? 'url(#arrow)' : undefined}/>`)}
      ${layout.sources.map(
        (node) => html`<g class=${`node source health-${node.source?.health ?? 'unknown'}`} data-id=${node.id}>
          <rect x=${node.x} y=${node.y} width=${node.width} height=${node.height} rx="6"/>
          <text x=${node.x + 10} y=${node.y + 18} class="title">${clip(node.id.split('/').slice(1).join('/'), 28)}</text>
          <text x=${node.x + 10} y=${node.y + 34} class="sub">${clip(node.source ? `${node.source.ref} · ${shortRevision(node.source.revision)}` : 'not found', 34)}</text>
          <text x=${node.x + 10} y=${node.y + 50} class="sub">${node.source ? healthLabel[node.source.health] : ''}${node.source?.reason ? ` · ${clip(node.source.reason, 22)}` : ''}</text>
        </g>`,
      )}
      ${layout.kustomizations.map(
        (node) => html`<a href=${`#/kustomizations/${node.kustomization.namespace}/${node.kustomization.name}`}>
          <g class=${`node kustomization health-${node.kustomization.health}`} data-id=${node.kustomization.id} data-health=${node.kustomization.health}>
            <title>${node.kustomization.id}: ${node.kustomization.reason} ${node.kustomization.message}</title>
            <rect x=${node.x} y=${node.y} width=${node.width} height=${node.height} rx="6"/>
            <text x=${node.x + 10} y=${node.y + 18} class="title">${clip(node.kustomization.name, 26)}</text>
            <text x=${node.x + 10} y=${node.y + 34} class="sub">${clip(node.kustomization.health === 'healthy' ? `applied ${shortRevision(node.kustomization.lastAppliedRevision).replace(/^.*@/, '')}` : node.kustomization.reason || healthLabel[node.kustomization.health], 32)}</text>
          </g>
        </a>`,
      )}
      ${layout.objects.map(
        (chip) => html`<a href=${`#/diff/${chip.owner.namespace}/${chip.owner.name}/${encodeURIComponent(chip.id)}`}>
          <g class=${`chip health-${chip.object?.health ?? 'unknown'}`} data-id=${chip.id} data-health=${chip.object?.health ?? 'unknown'}>
            <title>${chip.object ? `${chip.object.kind}/${chip.object.namespace ? `${chip.object.namespace}/` : ''}${chip.object.name}: ${chip.object.health} (${chip.object.reason})` : chip.id}</title>
            <rect x=${chip.x} y=${chip.y} width=${chip.width} height=${chip.height} rx="4"/>
            <text x=${chip.x + 6} y=${chip.y + 14}>${clip(chip.object ? `${chip.object.kind}/${chip.object.name}` : chip.id, 25)}</text>
          </g>
        </a>`,
      )}
      ${layout.more.map(
        (chip) => html`<a href=${`#/kustomizations/${chip.owner.namespace}/${chip.owner.name}`}><g class="chip more"><rect x=${chip.x} y=${chip.y} width=${chip.width} height=${chip.height} rx="4"/><text x=${chip.x + 6} y=${chip.y + 14}>+${chip.count} more</text></g></a>`,
      )}
    </svg>
    </div>
  </section>`;
}
