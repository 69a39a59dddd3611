/** Dead letters on `deadletter`; the current version is v1. */
export * from './v1.ts';
