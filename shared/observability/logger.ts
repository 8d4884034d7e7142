/**
 * Structured JSON logs (Powertools Logger). Values under keys that can hold credentials are replaced
 * before serialisation, so an app token, user token, webhook secret or signature cannot reach a log
 * line even when a whole object is logged by mistake.
 */
import { Logger } from '@aws-lambda-powertools/logger';

const SENSITIVE_KEY = /token|secret|signature|authorization|password|cookie|credential/i;
export const REDACTED = '[REDACTED]';

export const redactingReplacer = (key: string, value: unknown): unknown => {
  if (key && SENSITIVE_KEY.test(key) && value !== undefined && value !== null && value !== '') {
    return REDACTED;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
};

export const createLogger = (serviceName: string): Logger =>
  new Logger({ serviceName, jsonReplacerFn: redactingReplacer });
