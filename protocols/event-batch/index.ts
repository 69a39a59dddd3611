/** Raw event batches on `events.raw`; the current version is v1. */
export * from './v1.ts';
