import { type InventoryTreeNode, inventoryTree } from '@weft/delivery';
import type { HealthStatus } from '@weft/drift';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { Style } from '../output/style.js';

/** `weft tree kustomization <name>`: the inventory as flux tree prints it, with each object's health. */
export async function run(context: CommandContext): Promise<number> {
  const word = context.arg(0, 'the kind (kustomization)').toLowerCase();
  if (!['kustomization', 'kustomizations', 'ks'].includes(word)) throw new UsageError(`weft tree works on a kustomization, not "${context.args[0]}"`, 2);
  const name = context.arg(1, 'the name of the Kustomization');
  const { client } = await context.connect();
  const root = await inventoryTree(client, { namespace: await context.namespace(), name }, context.io.signal ? { signal: context.io.signal } : {});
  if (context.string('output') === 'json') {
    context.io.stdout.write(`${JSON.stringify(root, null, 2)}\n`);
    return 0;
  }
  const lines = [`${root.subject}  ${health(root, context.out)}`, ...branches(root.children, '', context.out)];
  context.io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function branches(children: readonly InventoryTreeNode[], indent: string, style: Style): string[] {
  return children.flatMap((child, index) => {
    const last = index === children.length - 1;
    return [`${indent}${last ? '└── ' : '├── '}${child.subject}  ${health(child, style)}`, ...branches(child.children, `${indent}${last ? '    ' : '│   '}`, style)];
  });
}

const paint: Record<HealthStatus, keyof Pick<Style, 'green' | 'yellow' | 'red' | 'dim'>> = { healthy: 'green', progressing: 'yellow', failed: 'red', terminating: 'yellow', missing: 'red' };

function health(node: InventoryTreeNode, style: Style): string {
  const text = node.health.status === 'healthy' ? 'healthy' : `${node.health.status}: ${node.health.reason}`;
  return style[paint[node.health.status]](`[${text}]`);
}
