/** `GET /v1/system-messages/{notificationId}`: where a notification stands, from its status record. */

import { InvalidInput, NotFound } from '../errors';
import * as z from '../zod';
import type { NotificationStatus, StatusStore } from './ports';

/** Caller ids, and the `<schedule>@<time>` ids of recurring occurrences. */
const StatusIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/, 'must be a notification id'));

export const readStatus = async (
  deps: { status: StatusStore },
  notificationId: string | undefined,
): Promise<NotificationStatus> => {
  const id = StatusIdSchema.safeParse(notificationId);
  if (!id.success)
    throw new InvalidInput([{ field: 'notificationId', message: 'must be a notification id' }]);
  const status = await deps.status.read(id.data);
  if (!status) {
    throw new NotFound(
      'notification-not-found',
      `No notification ${id.data} was accepted (or it is older than NOTIFY_RETENTION_DAYS)`,
      { fields: [{ field: 'notificationId', message: 'no notification has this id' }] },
    );
  }
  return status;
};
