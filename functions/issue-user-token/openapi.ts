/** The OpenAPI description of issue-user-token's routes (shared/openapi/document.ts gathers them). */
import {
  bodyProblems,
  type FunctionApi,
  jsonBody,
  jsonResponse,
  problemResponse,
  schemaOf,
} from '../../shared/openapi/parts';
import { tokenConfigFromEnv } from '../../shared/user-tokens/config';
import { requestSchemas } from './schema';

/** Documented with the default settings; each deployment's appids and bounds come from its config. */
const tokenSchemas = requestSchemas(
  tokenConfigFromEnv({
    USERS_TABLE: 'users',
    MESIBO_APP_TOKEN_SECRET_ID: 'secret',
    TOKEN_APPIDS: 'com.example.app',
  }),
);

const tokenResponse = jsonResponse('A mesibo user access token', { $ref: '#/components/schemas/UserToken' });

export const api: FunctionApi = {
  operations: {
    'POST /v1/users/me/token': {
      operationId: 'issueOwnToken',
      requestBody: jsonBody(schemaOf(tokenSchemas.self), false),
      responses: {
        200: tokenResponse,
        400: problemResponse('Invalid body (the `errors` member names the field)'),
        401: problemResponse(
          'The verified token carries no usable address claim (absent, not a string, blank, an unverified email or phone number)',
        ),
        403: problemResponse(
          'The address is reserved (`reserved-address`): the system sender or the reserved list',
        ),
        ...bodyProblems(),
        502: problemResponse('mesibo rejected the request (its error code is in `mesiboError`)'),
        503: problemResponse(
          "mesibo is unavailable and no valid cached token exists (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
        ),
      },
    },
    'DELETE /v1/users/me/token': {
      operationId: 'revokeOwnTokens',
      responses: {
        204: { description: "The caller's tokens are revoked and their cache dropped" },
        401: problemResponse('The verified token carries no usable address claim'),
        403: problemResponse(
          'The address is reserved (`reserved-address`): the system sender or the reserved list',
        ),
        502: problemResponse('mesibo rejected the request'),
        503: problemResponse(
          "mesibo is unavailable (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
        ),
      },
    },
    'POST /v1/users/{address}/token': {
      operationId: 'issueUserToken',
      requestBody: jsonBody(schemaOf(tokenSchemas.backend), false),
      responses: {
        200: tokenResponse,
        400: problemResponse('Invalid address or body (the `errors` member names the field)'),
        403: problemResponse(
          'The address is reserved (`reserved-address`): the system sender or the reserved list',
        ),
        ...bodyProblems(),
        502: problemResponse('mesibo rejected the request'),
        503: problemResponse(
          "mesibo is unavailable and no valid cached token exists (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
        ),
      },
    },
    'DELETE /v1/users/{address}': {
      operationId: 'deleteUser',
      responses: {
        204: {
          description: 'The user is deleted at mesibo and its cached tokens erased (also when unknown)',
        },
        400: problemResponse('Invalid address'),
        403: problemResponse(
          'The address is reserved (`reserved-address`): the system sender or the reserved list',
        ),
        502: problemResponse('mesibo rejected the request'),
        503: problemResponse(
          "mesibo is unavailable (`mesibo-unavailable`), or the deployment's mesibo app token is not set yet (`mesibo-app-token-unset`); see Retry-After",
        ),
      },
    },
  },
  schemas: {
    UserToken: {
      type: 'object',
      required: ['address', 'uid', 'token', 'appid', 'expiresAt', 'replacedLiveToken'],
      properties: {
        address: { type: 'string' },
        uid: { type: 'integer' },
        token: { type: 'string', description: 'The mesibo user access token' },
        appid: { type: 'string' },
        expiresAt: { type: ['string', 'null'], format: 'date-time', description: 'null: never expires' },
        replacedLiveToken: {
          type: 'boolean',
          description:
            'true when this request issued a new token while the cached one was still valid; the earlier token stops working if mesibo revokes on re-issue (not confirmed; the emulator keeps it valid)',
        },
      },
    },
  },
};
