/**
 * Structured logs with pino: JSON lines when the output is not a terminal,
 * a readable form when it is.
 */
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../index.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export function createLogger(level: LogLevel = 'info', destination: NodeJS.WritableStream = process.stderr): Logger {
  const readable = (destination as { isTTY?: boolean }).isTTY === true;
  const stream = readable ? pretty({ destination, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' }) : destination;
  return pino({ level, base: undefined }, stream);
}
