/** Window results on `results`; the current version is v1. */
export * from './v1.ts';
