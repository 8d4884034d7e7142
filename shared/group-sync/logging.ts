/** The log calls group sync makes, as a port that Powertools Logger adapts to (and tests can fake). */
import type { Logger } from '@aws-lambda-powertools/logger';

export interface GroupSyncLogger {
  debug(message: string, attrs?: object): void;
  info(message: string, attrs?: object): void;
  warn(message: string, attrs?: object): void;
  error(message: string, attrs?: object): void;
}

export const powertoolsLogger = (logger: Logger): GroupSyncLogger => ({
  debug: (message, attrs) => logger.debug(message, { ...attrs }),
  info: (message, attrs) => logger.info(message, { ...attrs }),
  warn: (message, attrs) => logger.warn(message, { ...attrs }),
  error: (message, attrs) => logger.error(message, { ...attrs }),
});
