/**
 * @packageDocumentation
 * @weft/progressive: not yet written. See this package's README for what it will hold.
 */
export {};
