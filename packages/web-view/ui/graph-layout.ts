/**
 * The pipeline graph's layout, in one pass over the Kustomizations (no force simulation: 200
 * Kustomizations and their objects are laid out in a few milliseconds). A row per Kustomization,
 * grouped under its source; a Kustomization's column is its depth in the dependsOn graph; its
 * objects follow on the right of the last column.
 */
import type { HealthView, KustomizationView, ObjectView, SourceView } from '../src/view-model.js';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface SourceNode extends Box {
  readonly source: SourceView | undefined;
  readonly id: string;
}

export interface KustomizationNode extends Box {
  readonly kustomization: KustomizationView;
}

export interface ObjectChip extends Box {
  readonly object: ObjectView | undefined;
  readonly id: string;
  readonly owner: KustomizationView;
}

export interface MoreChip extends Box {
  readonly count: number;
  readonly owner: KustomizationView;
}

export interface Edge {
  readonly from: { x: number; y: number };
  readonly to: { x: number; y: number };
  readonly kind: 'source' | 'dependsOn' | 'objects';
  readonly health: HealthView;
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly sources: SourceNode[];
  readonly kustomizations: KustomizationNode[];
  readonly objects: ObjectChip[];
  readonly more: MoreChip[];
  readonly edges: Edge[];
}

export const sizes = { sourceWidth: 230, nodeWidth: 210, nodeHeight: 44, column: 250, chipWidth: 168, chipHeight: 20, chipGap: 6, chipsPerLine: 4, maxChipLines: 2, rowGap: 14, margin: 16 } as const;

/** Each Kustomization's depth in the dependsOn graph (0: depends on nothing known); a cycle counts once. */
export function dependsOnDepths(kustomizations: ReadonlyMap<string, KustomizationView>): Map<string, number> {
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depths.get(id);
    if (known !== undefined) return known;
    const node = kustomizations.get(id);
    if (!node || visiting.has(id)) return -1;
    visiting.add(id);
    let depth = 0;
    for (const dependency of node.dependsOn) depth = Math.max(depth, depthOf(dependency) + 1);
    visiting.delete(id);
    depths.set(id, depth);
    return depth;
  };
  for (const id of kustomizations.keys()) depthOf(id);
  return depths;
}

export function layoutGraph(sources: ReadonlyMap<string, SourceView>, kustomizations: ReadonlyMap<string, KustomizationView>, objects: ReadonlyMap<string, ObjectView>): GraphLayout {
  const { sourceWidth, nodeWidth, nodeHeight, column, chipWidth, chipHeight, chipGap, chipsPerLine, maxChipLines, rowGap, margin } = sizes;
  const depths = dependsOnDepths(kustomizations);
  const maxDepth = Math.max(0, ...depths.values());
  const groups = new Map<string, KustomizationView[]>();
  for (const kustomization of kustomizations.values()) {
    const group = groups.get(kustomization.source) ?? [];
    group.push(kustomization);
    groups.set(kustomization.source, group);
  }
  for (const id of sources.keys()) if (!groups.has(id)) groups.set(id, []);
  const objectsX = margin + sourceWidth + 40 + (maxDepth + 1) * column;
  const layout: GraphLayout = { width: objectsX + chipsPerLine * (chipWidth + chipGap) + margin, height: 0, sources: [], kustomizations: [], objects: [], more: [], edges: [] };
  const nodeAt = new Map<string, KustomizationNode>();
  let y = margin;
  for (const sourceId of [...groups.keys()].sort()) {
    const members = groups.get(sourceId)!.sort((a, b) => (depths.get(a.id) ?? 0) - (depths.get(b.id) ?? 0) || (a.id < b.id ? -1 : 1));
    const top = y;
    for (const kustomization of members) {
      const inventory = kustomization.inventory;
      const shown = Math.min(inventory.length, chipsPerLine * maxChipLines - (inventory.length > chipsPerLine * maxChipLines ? 1 : 0));
      const lines = Math.max(1, Math.ceil((shown + (inventory.length > shown ? 1 : 0)) / chipsPerLine));
      const rowHeight = Math.max(nodeHeight, lines * (chipHeight + chipGap) - chipGap);
      const node: KustomizationNode = { kustomization, x: margin + sourceWidth + 40 + (depths.get(kustomization.id) ?? 0) * column, y: y + (rowHeight - nodeHeight) / 2, width: nodeWidth, height: nodeHeight };
      layout.kustomizations.push(node);
      nodeAt.set(kustomization.id, node);
      for (let index = 0; index < shown; index += 1) {
        const id = inventory[index]!;
        layout.objects.push({ id, object: objects.get(id), owner: kustomization, x: objectsX + (index % chipsPerLine) * (chipWidth + chipGap), y: y + Math.floor(index / chipsPerLine) * (chipHeight + chipGap), width: chipWidth, height: chipHeight });
      }
      if (inventory.length > shown) {
        layout.more.push({ count: inventory.length - shown, owner: kustomization, x: objectsX + (shown % chipsPerLine) * (chipWidth + chipGap), y: y + Math.floor(shown / chipsPerLine) * (chipHeight + chipGap), width: chipWidth, height: chipHeight });
      }
      if (inventory.length > 0) layout.edges.push({ from: { x: node.x + nodeWidth, y: node.y + nodeHeight / 2 }, to: { x: objectsX - 4, y: y + chipHeight / 2 }, kind: 'objects', health: kustomization.health });
      y += rowHeight + rowGap;
    }
    const height = Math.max(nodeHeight, y - top - rowGap);
    const sourceNode: SourceNode = { id: sourceId, source: sources.get(sourceId), x: margin, y: top + Math.max(0, (height - 64) / 2), width: sourceWidth, height: Math.min(64, height) };
    layout.sources.push(sourceNode);
    if (members.length === 0) y = top + 64 + rowGap;
    for (const kustomization of members) {
      const node = nodeAt.get(kustomization.id)!;
      if ((depths.get(kustomization.id) ?? 0) === 0 || kustomization.dependsOn.every((dependency) => !kustomizations.has(dependency))) {
        layout.edges.push({ from: { x: sourceNode.x + sourceWidth, y: sourceNode.y + sourceNode.height / 2 }, to: { x: node.x, y: node.y + nodeHeight / 2 }, kind: 'source', health: sourceNode.source?.health ?? 'unknown' });
      }
    }
    y += rowGap;
  }
  for (const node of layout.kustomizations) {
    for (const dependency of node.kustomization.dependsOn) {
      const from = nodeAt.get(dependency);
      if (from) layout.edges.push({ from: { x: from.x + nodeWidth, y: from.y + nodeHeight / 2 }, to: { x: node.x, y: node.y + nodeHeight / 2 }, kind: 'dependsOn', health: from.kustomization.health });
    }
  }
  return { ...layout, height: y + margin };
}
