import { KubeClient } from '@weft/reconcile-core';
import { type KindInfo, kindCatalogue } from './catalogue.js';
import type { CommandSpec } from './commands.js';
import { UsageError } from './errors.js';
import type { WeftIo } from './io.js';
import { type ClusterTarget, loadClusterTarget } from './kubeconfig.js';
import { type Style, styleFor } from './output/style.js';

/** The values of parsed flags. */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/** What a verb gets: its arguments and flags, the streams, and the cluster on demand. */
export class CommandContext {
  /** Colours of standard output and standard error. */
  readonly out: Style;
  readonly err: Style;
  private connection: Promise<{ client: KubeClient; target: ClusterTarget }> | undefined;
  /** The kubeconfig context once it has been read, for error messages. */
  connectedTarget: ClusterTarget | undefined;

  constructor(
    readonly command: CommandSpec,
    /** The arguments after the verb. */
    readonly args: readonly string[],
    readonly flags: FlagValues,
    readonly io: WeftIo,
  ) {
    this.out = styleFor(io.stdout, io.env);
    this.err = styleFor(io.stderr, io.env);
  }

  /** A string flag's value. */
  string(name: string): string | undefined {
    const value = this.flags[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Whether a boolean flag is set. */
  boolean(name: string): boolean {
    return this.flags[name] === true;
  }

  /** The kinds Weft defines. */
  kinds(): Promise<readonly KindInfo[]> {
    return kindCatalogue();
  }

  /** The client and the kubeconfig context, read once. */
  connect(): Promise<{ client: KubeClient; target: ClusterTarget }> {
    this.connection ??= loadClusterTarget({ kubeconfig: this.string('kubeconfig'), context: this.string('context'), env: this.io.env, cwd: this.io.cwd }).then((target) => ({
      target: (this.connectedTarget = target),
      client: new KubeClient(target.kubeConfig, { userAgent: 'weft-cli/0.0.0', fieldManager: 'weft', requestTimeout: '30s' }),
    }));
    return this.connection;
  }

  /** The namespace to work in: `-n`, else the context's. */
  async namespace(): Promise<string> {
    return this.string('namespace') ?? (await this.connect()).target.namespace;
  }

  /** The positional argument at `index`, or a usage error naming it. */
  arg(index: number, what: string): string {
    const value = this.args[index];
    if (value === undefined) throw new UsageError(`${what} is required: ${this.command.usage}`, 2);
    return value;
  }

  /** Closes the client's connections. */
  close(): void {
    void this.connection?.then(({ client }) => client.close()).catch(() => undefined);
  }
}
