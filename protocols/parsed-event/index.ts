/** Parsed events on `events.parsed`; the current version is v1. */
export * from './v1.ts';
