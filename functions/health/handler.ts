/** Liveness: answers without calling any dependency and without revealing configuration. */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { json } from '../../shared/http/problem';

export const handler = async (): Promise<APIGatewayProxyResultV2> => json(200, { status: 'ok' });
