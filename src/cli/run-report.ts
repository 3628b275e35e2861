import { WsfaultError } from '../errors.js';
import { formatOfFile } from '../report/files.js';
import { parseClientKey } from '../report/identity.js';
import type { Reporter, ReportOptions } from '../report/reporter.js';
import { parseDuration } from '../scenario/units.js';

interface ReportFlags {
  duration?: string;
  report?: string;
  'client-key'?: string;
  'merge-window'?: string;
}

const positiveDuration = (flag: string, value: string, zeroOk = false) => {
  let n = NaN;
  try {
    n = parseDuration(/^\d+$/.test(value) ? (Number(value) as never) : value);
  } catch {
    // reported below
  }
  if (!(n > 0 || (zeroOk && n === 0))) throw new WsfaultError('WSFAULT_USAGE', `--${flag} "${value}" is not a ${zeroOk ? '' : 'positive '}duration (30s, 250ms)`);
  return n;
};

/** The run command's report flags (SPEC §1, §11), checked before anything starts. */
export function checkReportFlags(argv: ReportFlags): void {
  if (argv.duration !== undefined) positiveDuration('duration', argv.duration);
  if (argv['merge-window'] !== undefined) positiveDuration('merge-window', argv['merge-window'], true);
  if (argv.report !== undefined && formatOfFile(argv.report) === null) throw new WsfaultError('WSFAULT_USAGE', `--report "${argv.report}": the format comes from the extension: .json, .md or .xml (JUnit)`);
  if (argv['client-key'] !== undefined) {
    try {
      parseClientKey(argv['client-key']);
    } catch (error) {
      throw new WsfaultError('WSFAULT_USAGE', (error as Error).message);
    }
  }
}

/** A flag overrides the config file's `report.clientKey`. */
export function reportOptions(argv: ReportFlags, configKey?: string | string[]): ReportOptions {
  return {
    clientKey: argv['client-key'] ?? configKey,
    ...(argv['merge-window'] !== undefined ? { mergeWindowMs: positiveDuration('merge-window', argv['merge-window'], true) } : {}),
  };
}

/**
 * Writes `--report FILE`; the exit code: 3 when the run had `--duration` and an expect: failed.
 * A run with `--duration` is judged however it ends: by its timer, or by SIGINT/SIGTERM once
 * the client under test is done (docs/ci.md), so a CI job's verdict covers exactly the client's
 * run and does not depend on how fast wsfault and the client started. Without `--duration`
 * (an interactive run) a signal ends it with 0.
 */
export function endOfRun(reporter: Reporter, argv: ReportFlags): number {
  const judged = argv.duration !== undefined;
  if (!argv.report && !judged) return 0;
  const verdict = argv.report ? reporter.writeFile(argv.report) : reporter.verdict();
  return judged && verdict === 'fail' ? 3 : 0;
}
