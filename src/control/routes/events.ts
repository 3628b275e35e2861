import type { FastifyPluginAsync } from 'fastify';
import Type from '../../schema/type.js';
import type { App } from '../../app.js';
import { EventSchema, type WsfaultEvent } from '../../wire.js';
import { answers } from '../responses.js';
import { SseStream } from '../sse-stream.js';

/** How often an idle stream gets a comment line, so proxies and clients keep it open. */
export const SSE_HEARTBEAT_MS = 15_000;

/** GET /events: every event of SPEC §6 as Server-Sent Events (`?types=a,b` filters). */
export const eventRoutes =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    // Open streams never end by themselves, and the API's close waits for every response: on
    // close each one is ended after what is pending, so a subscriber (the dashboard) does not
    // keep the process from stopping.
    const open = new Set<() => void>();
    api.addHook('preClose', (done) => {
      for (const end of open) end();
      done();
    });
    api.get<{ Querystring: { types?: string } }>(
      '/events',
      {
        schema: {
          summary: 'Server-Sent Events stream of SPEC §6 (?types= filter)',
          querystring: Type.Object({ types: Type.Optional(Type.String()) }, { additionalProperties: false }),
          // Documentation only: the stream is written by hand, one event per `data:` line.
          response: answers({ 200: { description: 'one event per message, its JSON in `data:`', content: { 'text/event-stream': { schema: EventSchema } } } as never }),
        },
      },
      (request, reply) => {
        const types = request.query.types ? new Set(request.query.types.split(',').map((t) => t.trim())) : null;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          ...(reply.getHeaders() as Record<string, string>),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write(': wsfault events\n\n');
        // Events come in bursts and at high rates: SseStream gathers them into few writes.
        const stream = new SseStream(res);
        const send = (event: WsfaultEvent) => {
          if (!types || types.has(event.type)) stream.send(event);
        };
        const unsubscribe = app.bus.subscribe(send);
        const heartbeat = setInterval(() => res.write(': keepalive\n\n'), SSE_HEARTBEAT_MS);
        heartbeat.unref();
        const stop = () => {
          clearInterval(heartbeat);
          stream.drop();
          unsubscribe();
          open.delete(end);
        };
        const end = () => {
          stream.flush();
          stop();
          res.end();
        };
        open.add(end);
        request.raw.on('close', stop);
        res.on('error', stop);
      },
    );
  };
