/** The OpenAPI description of sync-group's route (shared/openapi/document.ts gathers it). */
import { GROUP_SYNC_DEFAULTS } from '../../shared/group-sync/config';
import { webhookBodySchema } from '../../shared/group-sync/schema';
import {
  bodyProblems,
  type FunctionApi,
  jsonBody,
  jsonResponse,
  problemResponse,
  schemaOf,
} from '../../shared/openapi/parts';

export const api: FunctionApi = {
  operations: {
    'POST /v1/webhooks/groups': {
      operationId: 'groupWebhook',
      parameters: [
        {
          name: 'X-Mesibo-Signature',
          in: 'header',
          required: true,
          description: 'HMAC-SHA256 of `<t>.<raw body>`: `t=<unix seconds>,v1=<hex>`',
          schema: { type: 'string' },
        },
        {
          name: 'X-Delivery-Id',
          in: 'header',
          required: false,
          description:
            'Optional; when sent it must equal the body `id`, since only signed bytes identify a delivery',
          schema: { type: 'string' },
        },
      ],
      requestBody: jsonBody(schemaOf(webhookBodySchema(GROUP_SYNC_DEFAULTS.maxMembers))),
      responses: {
        202: jsonResponse('Verified and enqueued (or a repeat of a known delivery)', {
          type: 'object',
          required: ['deliveryId', 'status'],
          properties: {
            deliveryId: { type: 'string' },
            status: { enum: ['queued', 'applied', 'stale', 'rejected'] },
            duplicate: { const: true },
          },
        }),
        400: problemResponse('Invalid payload (the `errors` member names the problem)'),
        401: problemResponse('Missing or bad signature, or a timestamp outside the tolerance window'),
        409: problemResponse('The delivery id was already used for a different event'),
        ...bodyProblems(),
        503: problemResponse('The event could not be queued; nothing was applied, deliver it again later'),
      },
    },
  },
};
