import type { FastifyPluginAsync } from 'fastify';
import Type from '../../schema/type.js';
import { stringify } from 'yaml';
import type { App } from '../../app.js';
import { WsfaultError } from '../../errors.js';
import { loadScenarioObject, loadScenarioText } from '../../scenario/load.js';
import { faultCatalogue, scenarioSummary } from '../../views.js';
import { FaultType, ScenarioDocument, ScenarioSummary } from '../../wire.js';
import { apiError } from '../errors.js';
import { answers, NoContent } from '../responses.js';

const NameParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100 }) });

/** GET /faults, GET|PUT|DELETE /scenarios(/:name). */
export const scenarioRoutes =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    api.get('/faults', { schema: { summary: 'the fault catalogue with each type’s JSON Schema', response: answers({ 200: Type.Array(FaultType) }) } }, async () => faultCatalogue());

    api.get('/scenarios', { schema: { summary: 'the scenario library', response: answers({ 200: Type.Array(ScenarioSummary) }) } }, async () => app.library.list().map(scenarioSummary));

    api.get<{ Params: { name: string } }>('/scenarios/:name', { schema: { summary: 'one scenario (JSON, or YAML with Accept: application/yaml)', params: NameParams, response: answers({ 200: ScenarioDocument }) } }, async (request, reply) => {
      const scenario = app.library.peek(request.params.name);
      if (!scenario) throw apiError('WSFAULT_NOT_FOUND', `no scenario named "${request.params.name}"`);
      if ((request.headers.accept ?? '').includes('yaml')) return reply.type('application/yaml').send(stringify(scenario));
      return scenario;
    });

    api.put<{ Params: { name: string }; Body: unknown }>('/scenarios/:name', { schema: { summary: 'add or replace a scenario (YAML or JSON body, validated)', params: NameParams, response: answers({ 200: ScenarioSummary, 201: ScenarioSummary }) } }, async (request, reply) => {
      const { name } = request.params;
      const source = 'api';
      let scenario;
      try {
        scenario =
          typeof request.body === 'string'
            ? loadScenarioText(request.body, `scenario ${name}`, { source })
            : loadScenarioObject({ name, ...(request.body as object) }, `scenario ${name}`, { source });
      } catch (error) {
        if (error instanceof WsfaultError) throw apiError('WSFAULT_INVALID_BODY', error.message, error.details);
        throw error;
      }
      if (scenario.name !== name) throw apiError('WSFAULT_INVALID_BODY', `the body names the scenario "${scenario.name}", the path "${name}"`);
      const existed = app.library.has(name);
      app.library.put(scenario);
      return reply.status(existed ? 200 : 201).send(scenarioSummary(scenario));
    });

    api.delete<{ Params: { name: string } }>('/scenarios/:name', { schema: { summary: 'remove a scenario added through the API', params: NameParams, response: answers({ 204: NoContent }) } }, async (request, reply) => {
      const scenario = app.library.peek(request.params.name);
      if (!scenario) throw apiError('WSFAULT_NOT_FOUND', `no scenario named "${request.params.name}"`);
      if (scenario.source !== 'api') throw apiError('WSFAULT_EXISTS', `"${scenario.name}" comes from ${scenario.source} and cannot be removed through the API`);
      app.library.remove(scenario.name);
      return reply.status(204).send();
    });
  };
