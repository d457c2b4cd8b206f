import ignore, { type Ignore } from 'ignore';

/**
 * Flux's default exclusions (its documented list): VCS files, binary and archive
 * extensions, CI configurations and a few tool configurations.
 */
export const DEFAULT_EXCLUSIONS: readonly string[] = [
  '.git/',
  '.gitignore',
  '.gitmodules',
  '.gitattributes',
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.goreleaser.brew.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
  '**/.golangci.yaml',
];

/** The name of the ignore files read from the repository. */
export const SOURCE_IGNORE_FILE = '.sourceignore';

interface Layer {
  /** Directory the rules are relative to (`''` for the root, else `a/b/`). */
  domain: string;
  rules: Ignore;
}

/**
 * The exclusion rules of one artifact, in Flux's order of precedence: default
 * exclusions, then each `.sourceignore` (root first, scoped to its directory), then
 * `spec.ignore`. A later rule that matches a path decides, so `spec.ignore` can
 * re-include what a default or a `.sourceignore` excluded (`!.github/`).
 *
 * @remarks
 * Within one layer, gitignore semantics apply (via the `ignore` package): a file
 * inside a directory excluded by that layer cannot be re-included by the same layer.
 *
 * @example
 * ```ts
 * import { IgnoreRules } from '@weft/git-source';
 * const rules = new IgnoreRules({ specIgnore: '/*\n!/deploy\n' });
 * rules.ignores('docs/README.md', false); // true
 * ```
 */
export class IgnoreRules {
  private readonly layers: Layer[] = [];
  private readonly spec: Layer | undefined;

  constructor(options: { specIgnore?: string; defaults?: boolean } = {}) {
    if (options.defaults ?? true) this.layers.push({ domain: '', rules: ignore().add(DEFAULT_EXCLUSIONS as string[]) });
    this.spec = options.specIgnore === undefined ? undefined : { domain: '', rules: ignore().add(options.specIgnore) };
  }

  /** Adds the rules of a `.sourceignore` found in `directory` (`''` for the root). */
  addSourceIgnore(directory: string, content: string): void {
    this.layers.push({ domain: directory === '' ? '' : `${directory}/`, rules: ignore().add(content) });
  }

  /**
   * Whether `path` (relative, `/`-separated) is excluded. As in Flux (go-git's matcher),
   * a rule about a directory applies to everything below it, so the latest layer with a
   * rule for the path or one of its parent directories decides.
   */
  ignores(path: string, isDirectory: boolean): boolean {
    const layers = this.spec ? [...this.layers, this.spec] : this.layers;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      if (!path.startsWith(layer.domain)) continue;
      const parts = path.slice(layer.domain.length).split('/');
      for (let n = parts.length; n >= 1; n--) {
        const candidate = parts.slice(0, n).join('/') + (n < parts.length || isDirectory ? '/' : '');
        const result = layer.rules.test(candidate);
        if (result.ignored) return true;
        if (result.unignored) return false;
      }
    }
    return false;
  }
}
