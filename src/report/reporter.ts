import type { EventBus } from '../events/bus.js';
import { AttemptLog, DEFAULT_CAP } from './attempt-log.js';
import { analyse } from './analyse.js';
import { buildReport, verdictsOf } from './build.js';
import { renderJunit } from './junit.js';
import { formatOfFile, renderReport, writeStreamed } from './files.js';
import { writeFileSync } from 'node:fs';
import type { Expectations } from './expect-schema.js';
import { DEFAULT_CLIENT_KEY, parseClientKey, type KeySpec } from './identity.js';
import { reportJson, type ReportBytes } from './report-json.js';
import type { Report } from './schema.js';

export interface ReportOptions {
  /** `--client-key` / `report.clientKey`: specs, first match wins (default addr+ua). */
  clientKey?: string | readonly string[];
  /** `--merge-window` in ms (default 100). */
  mergeWindowMs?: number;
  /** Most attempts kept (default 100 000; older ones are dropped and counted). */
  cap?: number;
}

export const DEFAULT_MERGE_WINDOW_MS = 100;

/**
 * The settler: each client's own part of the report (books.ts) is worked out once the client has
 * been quiet for QUIET_MS (between two attempts, or done), in slices of at most SLICE_MS every
 * TICK_MS, so a report at the end of a run has only the fleet and what depends on its moment
 * left to do. Off the data path: it runs on a timer, never in an event handler. A client of more
 * than MAX_ATTEMPTS kept attempts is left to the report, so that no slice runs long.
 */
export const SETTLE = { QUIET_MS: 1_000, TICK_MS: 250, SLICE_MS: 5, MAX_ATTEMPTS: 1_000 };

/**
 * The reconnect report of a running wsfault (SPEC §11): an attempt log on the events bus, and the
 * report built from it on demand. `expectations` says which scenario's `expect:` applies.
 */
export class Reporter {
  readonly specs: KeySpec[];
  readonly mergeWindowMs: number;
  private readonly log: AttemptLog;
  private readonly detach: () => void;
  private readonly settler: NodeJS.Timeout;

  constructor(
    bus: EventBus,
    private readonly expectations: () => Expectations | null,
    options: ReportOptions = {},
  ) {
    this.specs = parseClientKey(options.clientKey ?? DEFAULT_CLIENT_KEY);
    this.mergeWindowMs = options.mergeWindowMs ?? DEFAULT_MERGE_WINDOW_MS;
    this.log = new AttemptLog(this.specs, options.cap ?? DEFAULT_CAP);
    this.detach = this.log.attach(bus);
    this.settler = setInterval(() => this.settleQuiet(), SETTLE.TICK_MS).unref();
  }

  /** Clients worked out ahead of a report, and those still waiting (their attempts changed since). */
  get books(): { size: number; waiting: number } {
    return { size: this.log.books.size, waiting: this.log.books.waiting };
  }

  private settleQuiet(): void {
    if (this.log.books.waiting > 0) this.log.books.settleQuiet(Date.now() - SETTLE.QUIET_MS, this.mergeWindowMs, SETTLE.SLICE_MS, SETTLE.MAX_ATTEMPTS);
  }

  /** The report as objects (`chaos.report()`, Markdown). */
  report(): Report {
    return buildReport(this.log, this.options());
  }

  /** The report's JSON as it goes out (`GET /report`, `--report FILE.json`), written without the objects. */
  json(indent = 0, trailer = ''): ReportBytes {
    return reportJson(this.log, this.options(), indent, trailer);
  }

  /** The JUnit XML (`--report FILE.xml`, GET /report with Accept: application/xml), made without attempt rows. */
  junit(): { xml: string; verdict: Report['verdict'] } {
    const verdicts = verdictsOf(this.log, this.options());
    return { xml: renderJunit(verdicts), verdict: verdicts.verdict };
  }

  /** Only the verdict (the exit code of a `--duration` run without `--report`): no attempt rows made. */
  verdict(): Report['verdict'] {
    return analyse(this.log, this.options()).eachClient(() => {}).verdict;
  }

  /** `--report FILE`: the report in the format of the file's extension (JSON as `JSON.stringify(report, null, 2)`); returns the verdict. */
  writeFile(file: string): Report['verdict'] {
    const format = formatOfFile(file) ?? 'json';
    // JSON goes out a chunk at a time, each written before the next is made (one chunk of memory).
    if (format === 'json') return writeStreamed(file, (sink) => reportJson(this.log, this.options(), 2, '\n', sink).verdict);
    if (format === 'junit') {
      const { xml, verdict } = this.junit();
      writeFileSync(file, xml);
      return verdict;
    }
    const report = this.report();
    writeFileSync(file, renderReport(report, format));
    return report.verdict;
  }

  private options() {
    return { specs: this.specs, mergeWindowMs: this.mergeWindowMs, expect: this.expectations() };
  }

  reset(): void {
    this.log.reset();
  }

  stop(): void {
    clearInterval(this.settler);
    this.detach();
  }
}
