import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import Type from '../../schema/type.js';
import { releaseChunks } from '../../report/chunks.js';
import { renderMarkdown } from '../../report/markdown.js';
import type { Reporter } from '../../report/reporter.js';
import { Report } from '../../report/schema.js';
import { answers, NoContent } from '../responses.js';

/** The report's JSON Schema without its published $id (Fastify would register it twice). */
const { $id: _id, ...ReportBody } = Report as unknown as Record<string, unknown>;

/** Picks the format from Accept: Markdown, JUnit XML, or JSON (the default). */
export function formatFor(accept: string | undefined): 'md' | 'junit' | 'json' {
  const a = (accept ?? '').toLowerCase();
  if (a.includes('text/markdown')) return 'md';
  if (a.includes('application/xml') || a.includes('text/xml') || a.includes('application/junit+xml')) return 'junit';
  return 'json';
}

/** GET /report and POST /report/reset (SPEC §5, §11). */
export const reportRoutes =
  (reporter: Reporter): FastifyPluginAsync =>
  async (api) => {
    api.get(
      '/report',
      {
        schema: {
          summary: 'the reconnect report (SPEC §11): JSON; Markdown with Accept: text/markdown; JUnit XML with Accept: application/xml',
          response: answers({
            200: {
              description: 'the report',
              content: {
                'application/json': { schema: ReportBody },
                'text/markdown': { schema: { type: 'string' } },
                'application/xml': { schema: { type: 'string' } },
              },
            } as never,
          }),
        },
      },
      async (request, reply) => {
        const format = formatFor(request.headers.accept);
        if (format === 'json') {
          // Written straight from the attempt log, in chunks (a large report is tens of MB).
          const { chunks, length } = reporter.json();
          // Once the response is done (or the client gone), the next report writes into these chunks.
          reply.raw.once('close', () => releaseChunks(chunks));
          reply.type('application/json; charset=utf-8').header('content-length', length);
          return reply.send(chunks.length === 1 ? chunks[0] : Readable.from(chunks));
        }
        if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(reporter.report()));
        return reply.type('application/xml; charset=utf-8').send(reporter.junit().xml);
      },
    );
    api.post('/report/reset', { schema: { summary: 'clears the attempt log: a fresh measurement starts now', response: answers({ 204: NoContent }) } }, async (_request, reply) => {
      reporter.reset();
      return reply.status(204).send();
    });
  };
