// Adapts Powertools Logger (structured JSON with the Lambda request id) to the core's Log port.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../domain/ports.js';

export { SERVICE_NAME } from '../domain/metric-names.js';
import { SERVICE_NAME } from '../domain/metric-names.js';

export function createPowertoolsLog(logger: Logger = new Logger({ serviceName: SERVICE_NAME })): Log & { logger: Logger } {
  return {
    logger,
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}
