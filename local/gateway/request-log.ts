/**
 * The gateway's recent requests for the console: a bounded feed of what the product was asked
 * (the local tooling's own polls left out), with the request id that links each to its invocation.
 * No header is kept (so never an Authorization or a signature); the path, the query and a preview of
 * the body pass the redactor first.
 */
import { Feed, type FeedPage, type Sequenced } from '../console/feeds';
import { bodyPreview, type Redactor } from '../console/redact';
import { type GatewayRequestRecord, isLocalPath } from './server';

export const REQUESTS_KEPT = 200;

export interface LoggedRequest {
  requestId: string;
  at: number;
  method: string;
  /** Path and query as sent, secrets replaced. */
  path: string;
  routeKey?: string;
  status: number;
  durationMs: number;
  body?: string;
}

export class GatewayRequestLog {
  private readonly feed = new Feed<LoggedRequest>(REQUESTS_KEPT);

  constructor(private readonly redact: Redactor) {}

  record(r: GatewayRequestRecord): void {
    if (isLocalPath(r.path)) return;
    const body = bodyPreview(r.body, this.redact);
    this.feed.push({
      requestId: r.requestId,
      at: r.at,
      method: r.method,
      path: this.redact(r.rawQueryString ? `${r.path}?${r.rawQueryString}` : r.path),
      ...(r.routeKey ? { routeKey: r.routeKey } : {}),
      status: r.status,
      durationMs: r.durationMs,
      ...(body === undefined ? {} : { body }),
    });
  }

  page(since: string | null, limit?: number): Promise<FeedPage<Sequenced<LoggedRequest>>> {
    return this.feed.page(since, limit);
  }
}
