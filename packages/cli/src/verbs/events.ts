import { type ObjectEvent, listEvents, watchEvents } from '@weft/delivery';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { formatAge, formatTable } from '../output/table.js';

/** `weft events [--for Kind/name]`: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE, oldest first, as flux events. */
export async function run(context: CommandContext): Promise<number> {
  if (context.args.length) throw new UsageError(`weft events takes no arguments; name an object with --for <kind>/<name>`, 2);
  const forObject = context.string('for');
  let target: { kind: string; name: string; namespace: string | undefined } | undefined;
  const allNamespaces = context.boolean('all-namespaces');
  const { client } = await context.connect();
  const namespace = allNamespaces ? undefined : await context.namespace();
  if (forObject !== undefined) {
    const match = /^([^/]+)\/([^/]+)$/.exec(forObject);
    if (!match) throw new UsageError(`--for takes <kind>/<name> (Kustomization/apps), not "${forObject}"`, 2);
    const kinds = await context.kinds();
    const word = match[1]!.toLowerCase();
    const known = kinds.find((kind) => [kind.kind.toLowerCase(), kind.singular, kind.plural, ...kind.shortNames].includes(word));
    target = { kind: known?.kind ?? match[1]!, name: match[2]!, namespace };
  }
  const signal = context.io.signal;
  const events = await listEvents(client, { namespace, ...(target ? { for: target } : {}), ...(signal ? { signal } : {}) });
  const style = context.out;
  const headers = [...(namespace === undefined ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  const row = (event: ObjectEvent) => [
    ...(namespace === undefined ? [event.object.namespace ?? ''] : []),
    formatAge(event.lastSeen),
    event.type === 'Warning' ? { text: event.type, paint: style.yellow } : event.type,
    event.reason,
    `${event.object.kind}/${event.object.name}`,
    // One row per event: a message of several lines (a change set) is joined.
    `${event.message.split('\n').filter(Boolean).join('; ')}${event.count > 1 ? ` (x${event.count})` : ''}`,
  ];
  if (events.length === 0) context.io.stderr.write(`No events found${forObject ? ` for ${forObject}` : ''}${namespace ? ` in namespace ${namespace}` : ''}.\n`);
  else context.io.stdout.write(`${formatTable(headers, events.map(row)).join('\n')}\n`);
  if (!context.boolean('watch')) return 0;
  // --watch: each new Event (or one whose count grows) is one more line, until Ctrl-C.
  let headed = events.length > 0;
  await watchEvents(client, { namespace, ...(target ? { for: target } : {}), signal: signal ?? new AbortController().signal }, (event) => {
    const [header, line] = formatTable(headers, [row(event)]);
    context.io.stdout.write(`${headed ? '' : `${header}\n`}${line}\n`);
    headed = true;
  });
  return 0;
}
