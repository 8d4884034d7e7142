/**
 * Maps a Lambda result back to HTTP the way HTTP API does for payload format 2.0: a structured result
 * (with `statusCode`) is used as is; anything else is a 200 JSON body. A thrown error or a malformed
 * result is a 500 `{"message":"Internal Server Error"}`.
 */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export const gatewayMessage = (
  status: number,
  message: string,
  headers: Record<string, string> = {},
): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify({ message })),
});

export const internalError = (): HttpResponse => gatewayMessage(500, 'Internal Server Error');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export const mapLambdaResult = (result: unknown): HttpResponse => {
  if (isRecord(result) && 'statusCode' in result) {
    const { statusCode, headers, cookies, body, isBase64Encoded } = result;
    if (
      typeof statusCode !== 'number' ||
      !Number.isInteger(statusCode) ||
      statusCode < 100 ||
      statusCode > 599
    ) {
      return internalError();
    }
    const out: Record<string, string | string[]> = {};
    if (isRecord(headers)) {
      for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = String(v);
    }
    if (Array.isArray(cookies) && cookies.length) out['set-cookie'] = cookies.map(String);
    const text = typeof body === 'string' ? body : '';
    return {
      status: statusCode,
      headers: out,
      body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text),
    };
  }
  if (result === undefined || result === null) return { status: 200, headers: {}, body: Buffer.alloc(0) };
  if (typeof result === 'string') {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(result) };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(result)),
  };
};
