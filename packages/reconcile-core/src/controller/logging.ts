import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Options of {@link createLogger}.
 *
 * @remarks Set `LOG_LEVEL` to change the default level without code.
 *
 * @example
 * ```ts
 * import { createLogger } from '@weft/reconcile-core';
 * createLogger({ level: 'debug', name: 'web-operator' });
 * ```
 */
export interface LoggingOptions {
  /** pino level. @defaultValue process.env.LOG_LEVEL ?? 'info' */
  readonly level?: LoggerOptions['level'];
  /** Written as `logger` on every line. @defaultValue 'weft' */
  readonly name?: string;
  /** Where lines go. @defaultValue stdout */
  readonly destination?: DestinationStream;
}

/**
 * The JSON logger of a Manager: one pino line per entry, with controller-runtime's keys.
 *
 * @remarks
 * Controllers bind `controller` and `controllerKind`; each reconcile binds `namespace`, `name`
 * and a `reconcileID`, so one object's story is one `jq` filter away. Errors are logged under
 * `err` with their stack, as pino serializes them. Timestamps are ISO-8601 (`time`). The logger's
 * own name is written as `logger`, so it never collides with the object's `name`.
 *
 * @example
 * ```ts
 * import { controller, createLogger } from '@weft/reconcile-core';
 * const logger = createLogger({ level: 'debug' });
 * logger.child({ controller: 'webapp' }).info('started');
 * ```
 */
export function createLogger(options: LoggingOptions = {}): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    // Not pino's `name`: that writes a `name` key, and each reconcile binds `name` to its object.
    base: { logger: options.name ?? 'weft' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * A child logger bound to one object of one controller, with the keys every reconcile log line carries.
 *
 * @remarks Controllers already give each reconcile such a logger (`ctx.logger`).
 * @example
 * ```ts
 * import { objectLogger } from '@weft/reconcile-core';
 * objectLogger(logger, 'webapp', { namespace: 'prod', name: 'web' }).info('reconciled');
 * ```
 */
export function objectLogger(logger: Logger, controller: string, object: { namespace?: string; name: string }): Logger {
  return logger.child({ controller, namespace: object.namespace, name: object.name });
}
