import { type KubeClient, type KubeObject, isGoneError, isNotFoundError, isUnknownKindError } from '@weft/reconcile-core';
import { readyCondition, revisionOf } from '@weft/delivery';
import { stringify } from 'yaml';
import { type KindInfo, resolveKind } from '../catalogue.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { type Style, readyColour } from '../output/style.js';
import { type Cell, formatAge, formatTable } from '../output/table.js';

/** `weft get`: Flux's status table of one kind, or all, once or watched. */
export async function run(context: CommandContext): Promise<number> {
  const catalogue = await context.kinds();
  const { kinds, consumed } = resolveKind(catalogue, context.args, { allowAll: true });
  const name = context.args[consumed];
  if (context.args.length > consumed + 1) throw new UsageError(`weft get takes one name at most, got ${context.args.slice(consumed).join(' ')}`, 2);
  const allNamespaces = context.boolean('all-namespaces');
  if (allNamespaces && name !== undefined) throw new UsageError('a name and -A do not go together: name the namespace with -n', 2);
  const output = context.string('output') ?? 'table';
  if (context.boolean('watch') && output !== 'table') throw new UsageError('--watch shows a table; leave out -o', 2);
  const { client } = await context.connect();
  const namespace = allNamespaces ? undefined : await context.namespace();
  if (context.boolean('watch')) return watchTables(context, client, kinds, namespace, name);

  // `get all` leaves out the kinds whose CRD is not installed, as kubectl get all does.
  const lists = await Promise.all(
    kinds.map(async (kind) => ({ kind, items: await read(client, kind, namespace, name, context.io.signal).catch((error: unknown) => (kinds.length > 1 && error instanceof NotServedError ? [] : Promise.reject(error))) })),
  );
  if (output !== 'table') {
    const items = lists.flatMap((list) => list.items).map(withoutManagedFields);
    const document = name !== undefined && items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', items };
    context.io.stdout.write(output === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document, { lineWidth: 0 }));
    return 0;
  }
  const shown = lists.filter((list) => list.items.length > 0);
  if (shown.length === 0) {
    context.io.stderr.write(`No ${kinds.length === 1 ? kinds[0]!.kind : 'Weft'} objects found${namespace ? ` in namespace ${namespace}` : ''}.\n`);
    return 0;
  }
  const prefix = kinds.length > 1;
  const blocks = shown.map((list) => table(list.kind, list.items, { allNamespaces: namespace === undefined, prefix, style: context.out }).join('\n'));
  context.io.stdout.write(`${blocks.join('\n\n')}\n`);
  return 0;
}

/** The cluster does not serve a kind: its CRD is not installed. */
class NotServedError extends UsageError {}

async function read(client: KubeClient, kind: KindInfo, namespace: string | undefined, name: string | undefined, signal: AbortSignal | undefined): Promise<KubeObject[]> {
  if (name !== undefined) return [await client.get(kind, name, { namespace, signal })];
  try {
    return sortByName((await client.listAll(kind, { namespace, signal })).items);
  } catch (error) {
    throw notServed(kind, error);
  }
}

/** A 404 on a list means the kind is not served: say so, and what installs it. */
function notServed(kind: KindInfo, error: unknown): unknown {
  if (!isNotFoundError(error) && !isUnknownKindError(error)) return error;
  const hint = kind.from === '@weft/delivery' || kind.from === '@weft/git-source' ? 'weft install installs it' : `install the CRD of ${kind.from}`;
  return new NotServedError(`the cluster does not serve ${kind.plural}.${kind.apiVersion.split('/')[0]}: its CRD is not installed (${hint})`);
}

function sortByName(items: KubeObject[]): KubeObject[] {
  return items.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
}

function withoutManagedFields(object: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = object.metadata;
  return { ...object, metadata } as KubeObject;
}

interface Column {
  readonly header: string;
  readonly value: (object: KubeObject, style: Style) => Cell;
}

const status = (object: KubeObject) => (object['status'] ?? {}) as Record<string, unknown>;
const declares = (kind: KindInfo, part: 'spec' | 'status', field: string) => field in (kind.schema.properties[part]?.properties ?? {});

/**
 * The columns of a kind: Flux's NAME, REVISION, SUSPENDED, READY, MESSAGE, AGE; in REVISION's place
 * an ImageRepository's LAST SCAN, an ImagePolicy's LATEST IMAGE, an ImageUpdateAutomation's LAST RUN
 * (as `flux get images`), a Canary's STATUS and WEIGHT, a MetricTemplate's PROVIDER.
 */
export function columnsOf(kind: KindInfo): Column[] {
  const columns: Column[] = [];
  if (kind.kind === 'Canary') {
    columns.push({ header: 'STATUS', value: (object) => String(status(object)['phase'] ?? '') });
    columns.push({ header: 'WEIGHT', value: (object) => String(status(object)['canaryWeight'] ?? 0) });
  } else if (kind.kind === 'ImageRepository') {
    // Flux's `get images repository`: LAST SCAN (and how many tags it found).
    columns.push({ header: 'LAST SCAN', value: (object) => lastScan(status(object)['lastScanResult']) });
  } else if (kind.kind === 'ImagePolicy') {
    columns.push({ header: 'LATEST IMAGE', value: (object) => revisionOf(object) ?? '' });
  } else if (kind.kind === 'ImageUpdateAutomation') {
    columns.push({ header: 'LAST RUN', value: (object) => String(status(object)['lastAutomationRunTime'] ?? '') });
  } else if (kind.kind === 'MetricTemplate') {
    columns.push({ header: 'PROVIDER', value: (object) => String((object['spec'] as { provider?: { type?: string } } | undefined)?.provider?.type ?? '') });
  } else if (declares(kind, 'status', 'conditions')) {
    columns.push({ header: 'REVISION', value: (object) => revisionOf(object) ?? '' });
  }
  if (declares(kind, 'spec', 'suspend')) {
    columns.push({ header: 'SUSPENDED', value: (object, style) => ((object['spec'] as { suspend?: boolean } | undefined)?.suspend === true ? { text: 'True', paint: style.yellow } : 'False') });
  }
  if (declares(kind, 'status', 'conditions')) {
    columns.push({ header: 'READY', value: (object, style) => ({ text: readyCondition(object)?.status ?? 'False', paint: (text) => readyColour(style, text) }) });
    columns.push({ header: 'MESSAGE', value: (object) => (readyCondition(object) ? (readyCondition(object)!.message ?? '') : 'waiting to be reconciled') });
  }
  columns.push({ header: 'AGE', value: (object) => formatAge(object.metadata.creationTimestamp) });
  return columns;
}

function lastScan(result: unknown): string {
  const scan = result as { scanTime?: string; tagCount?: number } | undefined;
  return scan?.scanTime ? `${scan.scanTime}${scan.tagCount !== undefined ? ` (${scan.tagCount} tags)` : ''}` : '';
}

function cells(kind: KindInfo, object: KubeObject, options: { allNamespaces: boolean; prefix: boolean; style: Style }): Cell[] {
  const name = options.prefix ? `${kind.singular}/${object.metadata.name}` : object.metadata.name;
  return [...(options.allNamespaces ? [object.metadata.namespace ?? ''] : []), name, ...columnsOf(kind).map((column) => column.value(object, options.style))];
}

function headersOf(kind: KindInfo, allNamespaces: boolean): string[] {
  return [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', ...columnsOf(kind).map((column) => column.header)];
}

/** The lines of one kind's table. */
export function table(kind: KindInfo, items: readonly KubeObject[], options: { allNamespaces: boolean; prefix: boolean; style: Style }): string[] {
  return formatTable(headersOf(kind, options.allNamespaces), items.map((object) => cells(kind, object, options)));
}

/**
 * `--watch`: the tables follow every change. On a terminal they are redrawn in place; elsewhere
 * each change is printed as one more row (kubectl's `-w`), without escape codes. Ends on Ctrl-C.
 */
async function watchTables(context: CommandContext, client: KubeClient, kinds: readonly KindInfo[], namespace: string | undefined, name: string | undefined): Promise<number> {
  const signal = context.io.signal ?? new AbortController().signal;
  const stdout = context.io.stdout;
  const tty = stdout.isTTY === true;
  const state = new Map<KindInfo, Map<string, KubeObject>>(kinds.map((kind) => [kind, new Map()]));
  const options = { allNamespaces: namespace === undefined, prefix: kinds.length > 1, style: context.out };
  let drawnLines = 0;
  let printedHeaders = false;
  const redraw = () => {
    const lines: string[] = [];
    for (const [kind, objects] of state) {
      if (objects.size === 0 && kinds.length > 1) continue;
      if (lines.length) lines.push('');
      lines.push(...table(kind, sortByName([...objects.values()]), options));
    }
    if (lines.length === 0) lines.push(`Waiting for ${kinds.length === 1 ? kinds[0]!.kind : 'Weft'} objects${namespace ? ` in namespace ${namespace}` : ''}…`);
    const width = stdout.columns ?? 0;
    let fitted = width > 1 ? lines.map((line) => fit(line, width)) : lines;
    // A table taller than the terminal would scroll, and moving the cursor up could not reach its top.
    const height = stdout.rows ?? 0;
    if (height > 2 && fitted.length > height - 1) fitted = [...fitted.slice(0, height - 2), `… ${fitted.length - height + 2} more rows (a taller terminal shows them)`];
    stdout.write(`${drawnLines ? `\x1b[${drawnLines}A\r` : ''}\x1b[J${fitted.join('\n')}\n`);
    drawnLines = fitted.length;
  };
  const printChange = (kind: KindInfo, object: KubeObject, deleted: boolean) => {
    const lines = formatTable(headersOf(kind, options.allNamespaces), [cells(kind, object, options)]);
    if (!printedHeaders) stdout.write(`${lines[0]}\n`);
    printedHeaders = true;
    stdout.write(`${lines[1]}${deleted ? '   (deleted)' : ''}\n`);
  };
  const listedOnce = new Set<KindInfo>();
  const keyOf = (object: KubeObject) => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  if (tty) stdout.write('\x1b[?25l');
  const ticker = tty ? setInterval(redraw, 5_000) : undefined;
  try {
    await Promise.all(
      kinds.map((kind) =>
        follow(client, kind, namespace, name, signal, {
          reset: (items) => {
            const objects = state.get(kind)!;
            const first = objects.size === 0 && !listedOnce.has(kind);
            listedOnce.add(kind);
            objects.clear();
            for (const object of items) objects.set(keyOf(object), object);
            if (tty) redraw();
            else if (first) for (const object of sortByName([...items])) printChange(kind, object, false);
          },
          event: (type, object) => {
            const objects = state.get(kind)!;
            if (type === 'DELETED') objects.delete(keyOf(object));
            else objects.set(keyOf(object), object);
            if (tty) redraw();
            else printChange(kind, object, type === 'DELETED');
          },
        }, kinds.length > 1),
      ),
    );
  } finally {
    if (ticker) clearInterval(ticker);
    if (tty) stdout.write('\x1b[?25h');
  }
  return 0;
}

function fit(line: string, width: number): string {
  // Escape codes take no columns: count only what shows.
  let visible = 0;
  let out = '';
  for (let index = 0; index < line.length; index++) {
    if (line[index] === '\x1b') {
      const end = line.indexOf('m', index);
      out += line.slice(index, end + 1);
      index = end;
      continue;
    }
    if (visible === width - 1) return `${out}\x1b[0m`;
    out += line[index];
    visible++;
  }
  return out;
}

/** Lists, then watches from the list; a watch the server ends or expires is listed and watched again, until the signal aborts. */
async function follow(
  client: KubeClient,
  kind: KindInfo,
  namespace: string | undefined,
  name: string | undefined,
  signal: AbortSignal,
  handlers: { reset(items: readonly KubeObject[]): void; event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void },
  skipUnserved: boolean,
): Promise<void> {
  const fieldSelector = name === undefined ? undefined : `metadata.name=${name}`;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      const listed = await client.listAll(kind, { namespace, fieldSelector, signal });
      handlers.reset(listed.items);
      for await (const event of client.watch(kind, { namespace, fieldSelector, resourceVersion: listed.resourceVersion, signal })) {
        if (event.type !== 'BOOKMARK') handlers.event(event.type, event.object);
      }
    } catch (error) {
      if (signal.aborted) return;
      const translated = notServed(kind, error);
      if (translated instanceof NotServedError && skipUnserved) return;
      if (!isGoneError(error)) throw translated;
    }
    // A watch that ends at once (a server that closes it) is not reopened in a tight loop.
    if (Date.now() - started < 1_000) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
