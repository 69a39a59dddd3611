/**
 * The property every decoder of `protocols/` keeps, whatever its input: it
 * returns a value or throws eventide's typed error with a bounded message,
 * never another exception (a RangeError of a recursion, a TypeError of a
 * missing check). A hang shows as ava's timeout.
 */
import { AssertionError } from 'node:assert';
import fc from 'fast-check';
import { DecodeError, QuerySyntaxError, QueryValidationError } from '../../../protocols/errors.ts';
import { MAX_ERROR_MESSAGE, runs } from '../../helpers/arbitraries.ts';

/** What a call did: returned a value, or threw the typed error. */
export type Outcome<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

function untyped(error: unknown, expected: string): AssertionError {
  const detail = error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}\n${error.stack?.split('\n').slice(1, 6).join('\n')}` : String(error);
  return new AssertionError({ message: `expected a value or ${expected}, got ${detail}` });
}

function checkMessage(error: Error): void {
  if (error.message.length > MAX_ERROR_MESSAGE) {
    throw new AssertionError({ message: `the error message is ${error.message.length} characters (at most ${MAX_ERROR_MESSAGE}): ${error.message.slice(0, 200)}…` });
  }
}

/** Runs a decoder: its value, or its `DecodeError` (with a reason and a bounded message). Anything else fails the property. */
export function decodeOutcome<T>(decode: () => T): Outcome<T, DecodeError> {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw untyped(error, 'a DecodeError');
    if (!/^[a-z][a-z0-9-]*$/.test(error.reason)) throw new AssertionError({ message: `a DecodeError's reason must be a short label, got ${JSON.stringify(error.reason.slice(0, 100))}` });
    checkMessage(error);
    return { ok: false, error };
  }
}

/**
 * Runs the query parser: its value, or a `QuerySyntaxError` positioned inside
 * the text, or a `QueryValidationError`, each with a bounded message.
 */
export function parseOutcome<T>(text: string, parse: () => T): Outcome<T, QuerySyntaxError | QueryValidationError> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof QuerySyntaxError) {
      if (!Number.isInteger(error.position) || error.position < 0 || error.position > text.length) {
        throw new AssertionError({ message: `a syntax error's position must be inside the text (0..${text.length}), got ${error.position}` });
      }
    } else if (!(error instanceof QueryValidationError)) {
      throw untyped(error, 'a QuerySyntaxError or QueryValidationError');
    }
    checkMessage(error);
    return { ok: false, error };
  }
}

/**
 * Checks a property with the run's seed (see `propertySeed`) as the test's
 * assertion: a counterexample fails the test with fast-check's report, which
 * names the seed and path to replay.
 */
export function assertProperty(t: { notThrows(fn: () => unknown, message?: string): void }, property: fc.IProperty<any>, numRuns: number): void {
  t.notThrows(() => fc.assert(property, runs(numRuns)), `the property holds for ${numRuns} inputs`);
}
