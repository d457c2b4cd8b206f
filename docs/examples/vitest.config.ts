import { defineProject } from 'vitest/config';
import { weftSourceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: weftSourceAliases },
  test: {
    name: 'docs',
    // docs.test.ts checks the guides and the API reference; api-examples.test.ts ties every
    // @example of drift, delivery, git-source, testkit, image-automation, web-view, merge,
    // kustomize-lite, progressive and cli to a file here; the other *.test.ts are guides' samples and those @examples, run.
    include: ['*.test.ts'],
    // typedoc converts every package (one TypeScript program each): about a minute on an idle
    // 2-core machine, several under load.
    testTimeout: 600_000,
  },
});
