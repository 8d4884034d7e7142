/**
 * send-system-message: `POST /v1/system-messages` (IAM) and EventBridge Scheduler invocations (the
 * schedule's input, `{ "source": "mesibo-serverless.schedule", ... }`) share this handler. HTTP
 * answers 202 with the notification id; a Scheduler invocation never throws for an input that can
 * never be sent (it is dead-lettered with the reason), only for transient trouble worth a retry.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { parseJsonBody } from '../../shared/http/body';
import { errorResponse, json, ProblemError } from '../../shared/http/problem';
import { isMesiboError } from '../../shared/mesibo/errors';
import { acceptNotification } from '../../shared/notify/accept';
import type { SendSystemMessageDeps } from '../../shared/notify/deps';
import { handleOccurrence, type OccurrenceOutcome } from '../../shared/notify/occurrence';
import { OnceConflictError, OnceInProgressError } from '../../shared/notify/ports';
import { NotificationSchema } from '../../shared/notify/schema';

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
      if (isHttpEvent(event)) return await submit(deps, event, context);
      // Until the app token is set a schedule invocation fails whole, so Scheduler retries it.
      await deps.requireMesibo?.();
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
    await deps.requireMesibo?.();
    const accepted = await acceptNotification(deps, notification, {
      functionArn: context.invokedFunctionArn,
    });
    return json(202, accepted);
  } catch (e) {
    return errorResponse(asProblem(deps, e), deps.logger, {
      what: 'notification',
      instance: event.rawPath,
      internalDetail: 'Repeat the request with the same notificationId; it will not be sent twice',
    });
  }
};

/** The errors of accepting a notification that have a specific answer; anything else is a 500. */
const asProblem = (deps: SendSystemMessageDeps, e: unknown): unknown => {
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
  if (isMesiboError(e)) {
    deps.logger.error('mesibo call failed while accepting a notification', { error: e.toJSON() });
    return new ProblemError({
      status: 502,
      code: 'mesibo-unavailable',
      title: 'mesibo did not accept the request',
      detail: 'Nothing was sent; repeat the request with the same notificationId',
      extensions: { mesiboError: e.error },
    });
  }
  return e;
};
