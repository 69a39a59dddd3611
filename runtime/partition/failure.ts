/**
 * What a partition's failure means, for its log line. Being fenced while
 * writing the final snapshot is a hand-over working, not a fault: kafkajs
 * tells the old owner of its revocation no sooner than the new owner of its
 * assignment, and the new owner restores from the snapshot before. Fenced at
 * any other time, this owner is a zombie; anything else is a fault.
 */
import { isFenced } from '../../protocols/errors.ts';

export interface FailureDescription {
  readonly level: 'warn' | 'error';
  readonly fields: { readonly err: string; readonly fenced: boolean };
  readonly message: string;
}

export function describeFailure(error: unknown, revoking: boolean): FailureDescription {
  const fenced = isFenced(error);
  const fields = { err: error instanceof Error ? (error.stack ?? error.message) : String(error), fenced };
  if (fenced && revoking) return { level: 'warn', fields, message: 'fenced while writing the final snapshot; the new owner restores from the one before' };
  return { level: 'error', fields, message: fenced ? 'fenced by a newer owner; giving up the partition' : 'partition failed' };
}
