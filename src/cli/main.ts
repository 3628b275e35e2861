#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { WsfaultError } from '../errors.js';
import { VERSION } from '../version.js';
import { caCommand } from './ca.js';
import { ctlCommand } from './ctl.js';
import { demoCommand } from './demo.js';
import { faultsCommand } from './faults.js';
import { healthCommand } from './health.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { scenariosCommand } from './scenarios.js';
import { validateCommand } from './validate.js';

/** Prints one line and exits: 2 for usage and validation, 1 for runtime failures (SPEC §1). */
function fail(error: unknown): never {
  if (error instanceof WsfaultError) {
    process.stderr.write(`wsfault: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`wsfault: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
}

try {
  await yargs(hideBin(process.argv))
    .scriptName('wsfault')
    .version(VERSION)
    .command(runCommand)
    .command(validateCommand)
    .command(faultsCommand)
    .command(scenariosCommand)
    .command(ctlCommand)
    .command(healthCommand)
    .command(demoCommand)
    .command(reportCommand)
    .command(caCommand)
    .strict()
    .fail((message, error) => {
      if (error) fail(error);
      process.stderr.write(`wsfault: ${message}\n(see wsfault --help)\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
} catch (error) {
  fail(error);
}
