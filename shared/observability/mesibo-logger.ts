/** Powertools Logger as the mesibo client's logger port. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MesiboLogger } from '../mesibo/options';

/** Powertools' variadic signatures do not match MesiboLogger's optional one; adapt rather than cast. */
export const mesiboLoggerFrom = (logger: Logger): MesiboLogger => ({
  debug: (message, attrs) => logger.debug(message, { ...attrs }),
  info: (message, attrs) => logger.info(message, { ...attrs }),
  warn: (message, attrs) => logger.warn(message, { ...attrs }),
});
