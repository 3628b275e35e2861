import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { AttemptLog, newAttempt } from '../../src/report/attempt-log.js';
import { buildReport } from '../../src/report/build.js';
import { parseClientKey } from '../../src/report/identity.js';
import { publishedReportSchema } from '../../src/report/schema.js';

describe('schema/report.schema.json', () => {
  it('is generated from the same TypeBox source as the types (npm run schema)', () => {
    expect(JSON.parse(readFileSync('schema/report.schema.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(publishedReportSchema())));
  });

  it('accepts a report with clients, waits, recovery and expectations', () => {
    const log = new AttemptLog(parseClientKey('query:client'));
    for (let i = 0; i < 5; i++) {
      const start = 1000 + i * 500;
      const fields = { key: 'a', keyedBy: 'query:client', method: 'GET', path: '/', end: start + 10, status: i === 4 ? 101 : 503, faults: ['status'], how: 'fin', closedBy: 'client' } as const;
      log.add(newAttempt(`c-${i}`, 'default', '127.0.0.1', start, { ...fields, faults: ['status'], ...(i === 4 ? { upgradedAt: start + 5 } : {}) }));
    }
    const report = buildReport(log, { specs: parseClientKey('query:client'), mergeWindowMs: 100, expect: { minWaitMs: 100, herd: false, jitter: true }, now: 5000 });
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(publishedReportSchema());
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.clients[0]!.backoff.class).toBe('fixed');
  });
});
