/**
 * The real git smart-HTTP server the tests use: `startGitServer` now lives in `@weft/testkit`
 * (the demo serves its repository with it too); this module re-exports it for the suites that
 * import it from here.
 */
export { startGitServer, type GitServer, type GitServerOptions, type GitRequestRecord, type RepoFile, type TestRepo } from '@weft/testkit';
