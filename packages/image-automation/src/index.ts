/**
 * @packageDocumentation
 * Image update automation as Flux's image-reflector-controller and image-automation-controller
 * do it: scan OCI registries, select a tag by policy, rewrite setter markers in YAML and commit
 * the change to git — as plain functions, rxjs operators and reconcilers of `image.weft.dev/v1`
 * resources.
 */
export { ImageAutomationError, InvalidPolicyError, NoTagSelectedError, isImageAutomationError } from './errors.js';
export { type GoRegexp, GoRegexpSyntaxError, compileGoRegexp } from './go-regexp.js';
export { parseGoFloat } from './go-float.js';
export type {
  PolicyOrder,
  SemverPolicy,
  AlphabeticalPolicy,
  NumericalPolicy,
  CalverPolicy,
  ImagePolicyChoice,
  TagFilter,
  TagSelectionSpec,
} from './policy/types.js';
export { parseTagVersion, compareNatural } from './policy/semver-order.js';
export { type TagSelector, compileTagSelector, selectLatestTag } from './policy/select-latest-tag.js';
