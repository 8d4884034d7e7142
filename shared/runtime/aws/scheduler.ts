/** EventBridge Scheduler for a Lambda's platform, loaded on first use and traced when tracing is on. */
import { traceClient } from '../../observability/tracing';
import type { Platform } from '../platform';

export const awsScheduler: Pick<Platform, 'scheduler'> = {
  scheduler: async (group) => {
    const [{ SchedulerClient }, { eventBridgeOneTimeScheduler }] = await Promise.all([
      import('@aws-sdk/client-scheduler'),
      import('../../scheduler/eventbridge-scheduler'),
    ]);
    const client = await traceClient(new SchedulerClient({}));
    return (targetArn) => eventBridgeOneTimeScheduler({ client, ...group, targetArn });
  },
};
