export { SemverError, isSemverError } from './errors.js';
export { SemVer, type ParseVersionOptions, parseVersion, parseStrictVersion, compareVersions, MAX_VERSION_LENGTH } from './version.js';
export {
  type Constraint,
  type ConstraintOptions,
  parseConstraint,
  MAX_CONSTRAINT_LENGTH,
  MAX_CONSTRAINT_GROUPS,
} from './constraint.js';
export { type VersionCandidate, parseFluxVersion, pickLatestVersion } from './select.js';
