/** The OpenAPI description of send-system-message's routes (shared/openapi/document.ts gathers them). */
import {
  bodyProblems,
  type FunctionApi,
  type JsonSchema,
  jsonBody,
  jsonResponse,
  problemResponse,
  schemaOf,
} from '../../shared/openapi/parts';
import { NotificationSchema } from '../../shared/system-messages/schema';

const count = { type: 'integer', minimum: 0 };
const notificationStatusSchema: JsonSchema = {
  type: 'object',
  required: [
    'notificationId',
    'state',
    'audience',
    'recipients',
    'batches',
    'failures',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    notificationId: { type: 'string' },
    state: {
      enum: [
        'scheduled',
        'accepted',
        'expanding',
        'expansion-failed',
        'sending',
        'done',
        'done-with-failures',
      ],
      description:
        '`done` once every batch is accounted for; `expansion-failed` when the all-users expansion was dead-lettered',
    },
    audience: { enum: ['addresses', 'group', 'allUsers'] },
    scheduledFor: { type: 'string', format: 'date-time' },
    recipients: {
      type: 'object',
      description:
        'Recipients by outcome (a group counts as one); total and pending once the audience is known',
      required: ['sent', 'unknown', 'failed'],
      properties: { total: count, sent: count, pending: count, unknown: count, failed: count },
    },
    batches: { type: 'object', required: ['done'], properties: { total: count, done: count } },
    failures: {
      type: 'array',
      description: 'Recipients failed or unknown, by reason',
      items: {
        type: 'object',
        required: ['reason', 'count'],
        properties: { reason: { enum: ['rejected', 'outcome-unknown', 'dead-lettered'] }, count },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export const api: FunctionApi = {
  operations: {
    'POST /v1/system-messages': {
      operationId: 'sendSystemMessage',
      requestBody: jsonBody(schemaOf(NotificationSchema)),
      responses: {
        202: jsonResponse('Sent now (recipients counted) or scheduled for `sendAt`', {
          oneOf: [
            {
              type: 'object',
              required: ['notificationId', 'scheduledFor'],
              properties: {
                notificationId: { type: 'string' },
                scheduledFor: { type: 'string', format: 'date-time' },
              },
            },
            {
              type: 'object',
              required: ['notificationId', 'recipients'],
              properties: {
                notificationId: { type: 'string' },
                recipients: {
                  description:
                    'Addresses enqueued, the group messaged (one mesibo call), or all users (expanded by the worker; see the status)',
                  oneOf: [
                    {
                      type: 'object',
                      required: ['addresses'],
                      properties: { addresses: { type: 'integer' } },
                    },
                    { type: 'object', required: ['gid'], properties: { gid: { type: 'integer' } } },
                    { type: 'object', required: ['allUsers'], properties: { allUsers: { const: true } } },
                  ],
                },
                batches: {
                  type: 'integer',
                  description:
                    'Fan-out batches enqueued (absent for all users: the status gives it once known)',
                },
              },
            },
          ],
        }),
        400: problemResponse('Invalid payload (the `errors` member names the field)'),
        404: problemResponse('Unknown group key'),
        409: problemResponse(
          'The notificationId was used with a different payload, or is being accepted right now',
        ),
        ...bodyProblems('Body over 1 MiB, or too large to schedule'),
      },
    },
    'GET /v1/system-messages/{notificationId}': {
      operationId: 'getSystemMessageStatus',
      responses: {
        200: jsonResponse("The notification's state and its recipients by outcome", {
          $ref: '#/components/schemas/NotificationStatus',
        }),
        400: problemResponse('Not a notification id'),
        404: problemResponse('No notification with this id (or older than NOTIFY_RETENTION_DAYS)'),
      },
    },
  },
  schemas: { NotificationStatus: notificationStatusSchema },
};
