/**
 * A loopback HTTP server that answers the mesibo client from a script, for the cases the emulator
 * cannot produce (an upstream text that echoes the app token, a long Retry-After, an oversized body).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ScriptedReply {
  status?: number;
  /** A string is sent as it is; anything else as JSON. */
  body: unknown;
  headers?: Record<string, string>;
}

/** One answer, or `drop`: read the request, then close the connection without a word. */
export type ScriptedStep = ScriptedReply | 'drop' | ((request: { body: string }) => ScriptedReply);

export interface ScriptedMesibo {
  baseUrl: string;
  /** Queues answers for the next requests, in order. */
  reply(...steps: ScriptedStep[]): void;
  /** The answer for every request once the queue is empty (an unscripted request gets a 500). */
  always(step: ScriptedStep): void;
  /** Request bodies as received, in order. */
  readonly requests: string[];
  /** Stops listening (and drops open connections): connecting is refused until `listen`. */
  refuse(): void;
  listen(): Promise<void>;
  /** The server's http.Server, e.g. to close idle keep-alive connections. */
  readonly server: Server;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const send = (res: ServerResponse, reply: ScriptedReply) => {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status ?? 200, {
    'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
    ...reply.headers,
  });
  res.end(text);
};

export const startScriptedMesibo = async (): Promise<ScriptedMesibo> => {
  const queue: ScriptedStep[] = [];
  let fallback: ScriptedStep = { status: 500, body: 'unscripted request' };
  const requests: string[] = [];

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push(body);
    const step = queue.shift() ?? fallback;
    if (step === 'drop') req.socket.destroy();
    else send(res, typeof step === 'function' ? step({ body }) : step);
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();

  return {
    baseUrl: `http://127.0.0.1:${port}/backend/`,
    reply: (...steps) => queue.push(...steps),
    always: (step) => {
      fallback = step;
    },
    requests,
    refuse: () => {
      server.close();
      server.closeAllConnections();
    },
    listen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
