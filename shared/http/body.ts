/**
 * Reads a request body as JSON and validates it with zod; any failure is a problem that names the
 * field (or the header) at fault, thrown before anything is written.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidInput, PayloadTooLarge, UnsupportedMediaType, zodFields } from '../errors';
import type * as z from '../zod';

export const MAX_BODY_BYTES = 1024 * 1024;

type BodyEvent = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>;

/** The raw body as sent (API Gateway base64-encodes binary content types). */
export const rawBody = (event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): string => {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
};

/** Charsets whose JSON is UTF-8 as RFC 8259 requires (ASCII is a subset of it). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * A body must be labelled JSON (`application/json` or a `+json` type), in UTF-8. API Gateway HTTP
 * APIs deliver header names in lower case and join a repeated header with commas; the first value
 * counts (a media type holds no comma outside a quoted parameter, which JSON types do not have).
 */
export const requireJsonContentType = (headers: Record<string, string | undefined> | undefined): void => {
  const name = Object.keys(headers ?? {}).find((key) => key.toLowerCase() === 'content-type');
  const value = (name === undefined ? undefined : headers?.[name])?.split(',')[0]?.trim();
  if (!value) throw new UnsupportedMediaType('is missing; send application/json');
  const [type = '', ...params] = value.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[^/\s]+\+json$/.test(type)) {
    throw new UnsupportedMediaType(`must be application/json, not ${type || 'empty'}`);
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    throw new UnsupportedMediaType(`charset must be utf-8, not ${charset}`);
  }
};

const validated = <S extends z.ZodMiniType>(data: unknown, schema: S): z.output<S> => {
  const result = schema.safeParse(data);
  if (!result.success) throw new InvalidInput(zodFields(result.error));
  return result.data;
};

/** `text` parsed as JSON and held to `schema`: a 400 naming the field at fault otherwise. */
export const parseJson = <S extends z.ZodMiniType>(text: string, schema: S): z.output<S> => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InvalidInput([{ field: '(body)', message: 'the body is not valid JSON' }]);
  }
  return validated(data, schema);
};

export const parseJsonBody = <S extends z.ZodMiniType>(
  event: BodyEvent,
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
  // A route whose body is optional takes an empty one whatever it is labelled.
  if (text.trim() === '' && 'emptyAs' in options) return validated(options.emptyAs, schema);
  requireJsonContentType(event.headers);
  return parseJson(text, schema);
};
