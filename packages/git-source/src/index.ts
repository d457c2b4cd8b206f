/**
 * @packageDocumentation
 * Pull configuration from git as Flux's source-controller does: Masterminds-compatible
 * semver, fetching with isomorphic-git, deterministic content-addressed artifacts,
 * `gitSource()` as an Observable of revisions, and write-back for image automation.
 */
export {
  SemverError,
  isSemverError,
  SemVer,
  type ParseVersionOptions,
  parseVersion,
  parseStrictVersion,
  compareVersions,
  MAX_VERSION_LENGTH,
  type Constraint,
  type ConstraintOptions,
  parseConstraint,
  MAX_CONSTRAINT_LENGTH,
  MAX_CONSTRAINT_GROUPS,
  type VersionCandidate,
  parseFluxVersion,
  pickLatestVersion,
} from './semver/index.js';
