/**
 * send-system-message: `POST /v1/system-messages` (IAM), `GET /v1/system-messages/{notificationId}`
 * (IAM) and EventBridge Scheduler invocations (the schedule's input,
 * `{ "source": "mesibo-serverless.schedule", ... }`) share this handler. POST answers 202 with the
 * notification id, GET the notification's status; a Scheduler invocation never throws for an input
 * that can never be sent (it is dead-lettered with the reason), only for transient trouble worth a retry.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { parseJsonBody } from '../../shared/http/body';
import { json } from '../../shared/http/problem';
import { asyncFunction, httpFunction } from '../../shared/runtime/handler-runtime';
import { acceptNotification } from '../../shared/system-messages/accept';
import type { SendSystemMessageDeps } from '../../shared/system-messages/deps';
import { handleOccurrence, type OccurrenceOutcome } from '../../shared/system-messages/occurrence';
import { NotificationSchema } from '../../shared/system-messages/schema';
import { readStatus } from '../../shared/system-messages/status';

const isHttpEvent = (event: unknown): event is APIGatewayProxyEventV2 =>
  typeof event === 'object' &&
  event !== null &&
  typeof (event as { requestContext?: { http?: unknown } }).requestContext?.http === 'object';

export const createHandler = (deps: SendSystemMessageDeps) => {
  const http = httpFunction(
    deps,
    async (event: APIGatewayProxyEventV2, context) =>
      event.requestContext.http.method === 'GET'
        ? json(200, await readStatus(deps, event.pathParameters?.notificationId))
        : await submit(deps, event, context),
    { errors: errorOptions },
  );
  // Throws only for transient trouble, so Lambda retries the invocation.
  const occurrence = asyncFunction(deps, 'schedule occurrence', (event: unknown) =>
    handleOccurrence(deps, event),
  );
  return async (event: unknown, context: Context): Promise<APIGatewayProxyResultV2 | OccurrenceOutcome> =>
    isHttpEvent(event) ? http(event, context) : occurrence(event, context);
};

const errorOptions = (event: APIGatewayProxyEventV2) =>
  event.requestContext.http.method === 'GET'
    ? { what: 'notification status' }
    : {
        what: 'notification',
        internalDetail: 'Repeat the request with the same notificationId; it will not be sent twice',
      };

const submit = async (
  deps: SendSystemMessageDeps,
  event: APIGatewayProxyEventV2,
  context: Context | undefined,
): Promise<APIGatewayProxyResultV2> => {
  const notification = parseJsonBody(event, NotificationSchema);
  const accepted = await acceptNotification(deps, notification, {
    functionArn: context?.invokedFunctionArn ?? '',
  });
  return json(202, accepted);
};
