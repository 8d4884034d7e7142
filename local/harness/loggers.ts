/** Loggers for the harnesses and the tests: nothing reaches the output. */
import { Logger } from '@aws-lambda-powertools/logger';

/** A Powertools Logger that writes nothing, for wiring that takes the real Logger. */
export const silentLogger = (serviceName = 'test') => new Logger({ serviceName, logLevel: 'SILENT' });

export interface CapturedLine {
  level: string;
  message: string;
  attrs?: object;
}

/** A logger that writes nothing and keeps each line (with its attributes) for assertions. */
export const capturingLogger = () => {
  const lines: CapturedLine[] = [];
  const at = (level: string) => (message: string, attrs?: object) => {
    lines.push({ level, message, ...(attrs ? { attrs } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};
