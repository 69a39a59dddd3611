/** Matched events on `events.matched`; the current version is v1. */
export * from './v1.ts';
