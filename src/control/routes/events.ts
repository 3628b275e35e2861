import type { FastifyPluginAsync } from 'fastify';
import Type from '../../schema/type.js';
import type { App } from '../../app.js';
import { EventSchema, type WsfaultEvent } from '../../wire.js';
import { answers } from '../responses.js';

/** How often an idle stream gets a comment line, so proxies and clients keep it open. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * A subscriber that reads slower than events come is not buffered without bound: while this many
 * bytes already wait for it (in its socket and in the next burst), further events are skipped,
 * their `id:`s leaving a gap, and the first event written after that is preceded by a comment
 * line `: skipped N events`. Memory then stays bounded whatever a subscriber does, and the
 * stream stays open, so a reader that catches up goes on without reconnecting.
 */
export const SSE_BACKLOG_BYTES = 4 * 1024 * 1024;

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
        // Events come in bursts (one read of many messages, a switch on every connection): they
        // are written once per turn of the event loop, one write (one syscall) for the burst
        // instead of one per event.
        let pending = '';
        let flushing: NodeJS.Immediate | null = null;
        const flush = () => {
          flushing = null;
          const text = pending;
          pending = '';
          res.write(text);
        };
        let skipped = 0;
        const send = (event: WsfaultEvent) => {
          if (types && !types.has(event.type)) return;
          if (res.writableLength + pending.length > SSE_BACKLOG_BYTES) {
            skipped++;
            return;
          }
          if (skipped > 0) {
            pending += `: skipped ${skipped} events\n\n`;
            skipped = 0;
          }
          pending += `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
          flushing ??= setImmediate(flush);
        };
        const unsubscribe = app.bus.subscribe(send);
        const heartbeat = setInterval(() => res.write(': keepalive\n\n'), SSE_HEARTBEAT_MS);
        heartbeat.unref();
        const stop = () => {
          clearInterval(heartbeat);
          if (flushing) clearImmediate(flushing);
          pending = '';
          unsubscribe();
          open.delete(end);
        };
        const end = () => {
          if (flushing) flush();
          stop();
          res.end();
        };
        open.add(end);
        request.raw.on('close', stop);
        res.on('error', stop);
      },
    );
  };
