/** The OpenAPI description of the health route (shared/openapi/document.ts gathers it). */
import { type FunctionApi, jsonResponse, problemResponse } from '../../shared/openapi/parts';

export const api: FunctionApi = {
  operations: {
    'GET /v1/health': {
      operationId: 'health',
      parameters: [
        {
          name: 'deep',
          in: 'query',
          required: false,
          description:
            'Readiness instead of liveness: which secrets are set (never their values), checked at most every 30 s',
          schema: { enum: ['1', 'true', '0', 'false'] },
        },
      ],
      responses: {
        200: jsonResponse('Alive; with `deep`, also ready', {
          oneOf: [
            { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
            { $ref: '#/components/schemas/Readiness' },
          ],
        }),
        400: problemResponse('`deep` is not one of 1, true, 0, false'),
        503: jsonResponse('`deep`: not ready, a secret is unset or unreadable', {
          $ref: '#/components/schemas/Readiness',
        }),
      },
    },
  },
  schemas: {
    Readiness: {
      type: 'object',
      required: ['status', 'secrets'],
      properties: {
        status: { enum: ['ok', 'not-ready'] },
        secrets: {
          type: 'object',
          required: ['mesiboAppToken', 'webhook'],
          properties: {
            mesiboAppToken: {
              enum: ['set', 'placeholder', 'unreadable'],
              description: '`placeholder`: still the value the stack created; set it (npm run set-secrets)',
            },
            webhook: {
              enum: ['set', 'invalid', 'unreadable'],
              description: '`invalid`: not `{"current": "...", "previous"?: "..."}` JSON',
            },
          },
        },
      },
    },
  },
};
