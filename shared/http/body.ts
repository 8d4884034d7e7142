/**
 * Reads an API Gateway v2 body as JSON and validates it with zod; any failure is a 400 problem that
 * names the field, thrown before anything is written.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidInput, PayloadTooLarge, zodFields } from '../errors';
import type * as z from '../zod';

export const MAX_BODY_BYTES = 1024 * 1024;

/** The raw body as sent (API Gateway base64-encodes binary content types). */
export const rawBody = (event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): string => {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
};

export const parseJsonBody = <S extends z.ZodMiniType>(
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>,
  schema: S,
  options: { emptyAs?: unknown; maxBytes?: number } = {},
): z.output<S> => {
  const text = rawBody(event);
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  if (Buffer.byteLength(text) > maxBytes) {
    throw new PayloadTooLarge(`The body is over ${maxBytes} bytes`, [
      { field: '(body)', message: `over ${maxBytes} bytes` },
    ]);
  }
  let data: unknown;
  if (text.trim() === '' && 'emptyAs' in options) {
    data = options.emptyAs;
  } else {
    try {
      data = JSON.parse(text);
    } catch {
      throw new InvalidInput([{ field: '(body)', message: 'the body is not valid JSON' }]);
    }
  }
  const result = schema.safeParse(data);
  if (!result.success) throw new InvalidInput(zodFields(result.error));
  return result.data;
};
