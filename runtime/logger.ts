/**
 * The runtime's logging interface: structured fields first, then a message,
 * as pino takes them, so a pino logger is a Logger as it is.
 */
export interface Logger {
  /** Details useful when looking into a problem. */
  debug(fields: object, message: string): void;
  /** What happened: lifecycle, hand-overs, restores. */
  info(fields: object, message: string): void;
  /** Something went wrong and was handled. */
  warn(fields: object, message: string): void;
  /** Something went wrong and was not handled. */
  error(fields: object, message: string): void;
  /** A logger that adds these fields to every line. */
  child(fields: object): Logger;
}

/** A logger that writes nothing (tests, library use without logging). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
