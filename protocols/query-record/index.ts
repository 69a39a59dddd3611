/** Registered queries on the `queries` changelog; the current version is v1. */
export * from './v1.ts';
