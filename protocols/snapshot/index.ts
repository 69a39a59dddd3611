/** Snapshot chunks, commits and publish markers on `snapshots`; the current version is v1. */
export * from './v1.ts';
export * from './reader.ts';
export * from './hosted-state.ts';
export * from './skip-record.ts';
export * from './log-listing.ts';
