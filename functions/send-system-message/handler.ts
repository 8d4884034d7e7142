/**
 * send-system-message: `POST /v1/system-messages` (IAM), `GET /v1/system-messages/{notificationId}`
 * (IAM) and EventBridge Scheduler invocations (the schedule's input,
 * `{ "source": "mesibo-serverless.schedule", ... }`) share this handler. POST answers 202 with the
 * notification id, GET the notification's status; a Scheduler invocation never throws for an input
 * that can never be sent (it is dead-lettered with the reason), only for transient trouble worth a retry.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { parseJsonBody } from '../../shared/http/body';
import { errorResponse, json, ProblemError } from '../../shared/http/problem';
import { acceptNotification } from '../../shared/system-messages/accept';
import type { SendSystemMessageDeps } from '../../shared/system-messages/deps';
import { handleOccurrence, type OccurrenceOutcome } from '../../shared/system-messages/occurrence';
import { OnceConflictError, OnceInProgressError } from '../../shared/system-messages/ports';
import { NotificationSchema } from '../../shared/system-messages/schema';
import { readStatus } from '../../shared/system-messages/status';

type Result = APIGatewayProxyResultV2 | OccurrenceOutcome;

const isHttpEvent = (event: unknown): event is APIGatewayProxyEventV2 =>
  typeof event === 'object' &&
  event !== null &&
  typeof (event as { requestContext?: { http?: unknown } }).requestContext?.http === 'object';

export const createHandler =
  (deps: SendSystemMessageDeps) =>
  async (event: unknown, context: Context): Promise<Result> => {
    deps.beginInvocation?.(context);
    try {
      if (isHttpEvent(event)) {
        return event.requestContext.http.method === 'GET'
          ? await status(deps, event)
          : await submit(deps, event, context);
      }
      return await handleOccurrence(deps, event);
    } finally {
      deps.endInvocation?.();
    }
  };

const submit = async (
  deps: SendSystemMessageDeps,
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyResultV2> => {
  try {
    const notification = parseJsonBody(event, NotificationSchema);
    const accepted = await acceptNotification(deps, notification, {
      functionArn: context.invokedFunctionArn,
    });
    return json(202, accepted);
  } catch (e) {
    return errorResponse(asProblem(e), deps.logger, {
      what: 'notification',
      instance: event.rawPath,
      internalDetail: 'Repeat the request with the same notificationId; it will not be sent twice',
    });
  }
};

const status = async (
  deps: SendSystemMessageDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyResultV2> => {
  try {
    return json(200, await readStatus(deps, event.pathParameters?.notificationId));
  } catch (e) {
    return errorResponse(e, deps.logger, { what: 'notification status', instance: event.rawPath });
  }
};

/** The errors of accepting a notification that have a specific answer; anything else is a 500. */
const asProblem = (e: unknown): unknown => {
  if (e instanceof OnceConflictError) {
    return new ProblemError({
      status: 409,
      code: 'notification-id-conflict',
      title: 'This notificationId was already used for another notification',
      detail: e.message,
      errors: [{ field: 'notificationId', message: 'already used with a different payload' }],
    });
  }
  if (e instanceof OnceInProgressError) {
    return new ProblemError({
      status: 409,
      code: 'notification-in-progress',
      title: 'This notification is being accepted by another request',
      detail: 'Repeat the request in a few seconds to get its outcome',
      headers: { 'retry-after': '2' },
    });
  }
  return e;
};
