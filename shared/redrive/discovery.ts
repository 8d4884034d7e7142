/**
 * What the stack tells a redrive: the tags on its schedule group (stable, stage-derived name) that
 * name the work queues, their DLQs and what a one-time schedule needs to reach send-system-message.
 */
import { createHash } from 'node:crypto';
import type { ScheduleInput } from '../system-messages/schedule-input';

export const REDRIVE_TAGS = {
  fanoutQueueUrl: 'mesibo-serverless:fanout-queue-url',
  fanoutDlqUrl: 'mesibo-serverless:fanout-dlq-url',
  groupSyncQueueUrl: 'mesibo-serverless:group-sync-queue-url',
  groupSyncDlqUrl: 'mesibo-serverless:group-sync-dlq-url',
  schedulerDlqUrl: 'mesibo-serverless:scheduler-dlq-url',
  schedulerDlqArn: 'mesibo-serverless:scheduler-dlq-arn',
  schedulerRoleArn: 'mesibo-serverless:scheduler-role-arn',
  scheduleTargetArn: 'mesibo-serverless:schedule-target-arn',
} as const;
export type RedriveTag = keyof typeof REDRIVE_TAGS;

/** One-time schedules of redriven inputs; distinct from `once.` (sendAt) and from config names. */
export const REDRIVE_SCHEDULE_PREFIX = 'redrive.';

export const redriveScheduleName = (input: ScheduleInput): string =>
  `${REDRIVE_SCHEDULE_PREFIX}${createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 40)}`;
