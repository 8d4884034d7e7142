/**
 * send-system-message, wired once for Lambda, the local stack and the harnesses. It never calls
 * mesibo: accepting a message only records it and queues its fan-out (or schedules it).
 */
import { createLogger } from '../../shared/observability/logger';
import { functionMetrics } from '../../shared/observability/mesibo-metrics';
import { queueUrlFromArn } from '../../shared/queue/queue-url';
import type { FunctionWiring } from '../../shared/runtime/platform';
import { sendConfigFromEnv } from '../../shared/system-messages/config';
import { buildNotifyDeps, type NotifyAdapters, SEND_SERVICE } from '../../shared/system-messages/deps';
import { groupGidLookup } from '../../shared/system-messages/group-lookup';
import { emfNotifyMetrics } from '../../shared/system-messages/metrics';
import { queueDeadLetters } from '../../shared/system-messages/sqs-adapters';
import { createHandler } from './handler';

/** What a harness may replace: the logger, the counters, the ids and the once-gate. */
export type SendOverrides = Partial<Pick<NotifyAdapters, 'logger' | 'metrics' | 'newId' | 'gate'>>;

export const wire: FunctionWiring<
  ReturnType<typeof createHandler>,
  'dynamo' | 'queue' | 'scheduler',
  SendOverrides
> = async (env, platform, overrides = {}) => {
  const config = sendConfigFromEnv(env);
  const [dynamo, queue, schedulerDlq, schedulerFor] = await Promise.all([
    platform.dynamo(),
    platform.queue(config.fanoutQueueUrl),
    platform.queue(queueUrlFromArn(config.schedule.dlqArn)),
    platform.scheduler({
      groupName: config.schedule.groupName,
      roleArn: config.schedule.roleArn,
      deadLetterArn: config.schedule.dlqArn,
    }),
  ]);
  return createHandler(
    buildNotifyDeps({
      config,
      dynamo,
      queue,
      deadLetters: queueDeadLetters(schedulerDlq),
      schedulerFor,
      findGid: groupGidLookup({ doc: dynamo.doc, tableName: config.groupsTable }),
      clock: platform.clock,
      logger: createLogger(SEND_SERVICE),
      metrics: emfNotifyMetrics(functionMetrics(SEND_SERVICE, env)),
      ...overrides,
    }),
  );
};
