import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { WsfaultError } from '../errors.js';
import { isConfig, loadConfigText } from '../scenario/config.js';
import { formatProblem, loadScenarioText, parseYaml } from '../scenario/load.js';
import type { ScenarioProblem } from '../scenario/types.js';

export interface ValidateResult {
  exitCode: 0 | 2;
  output: string;
}

/**
 * Checks scenario and config files: every problem of every file, one line each
 * (`file:line:col  path: message`); exit 0 when all are valid, 2 otherwise.
 */
export function validateFiles(files: string[]): ValidateResult {
  const lines: string[] = [];
  let failed = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      failed = true;
      lines.push(`${file}  cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    try {
      const { value } = parseYaml(text, file);
      if (isConfig(value)) loadConfigText(text, file);
      else loadScenarioText(text, file);
      lines.push(`${file}  ok`);
    } catch (error) {
      if (!(error instanceof WsfaultError)) throw error;
      failed = true;
      lines.push(...(error.details as ScenarioProblem[]).map(formatProblem));
    }
  }
  return { exitCode: failed ? 2 : 0, output: lines.join('\n') };
}

export const validateCommand: CommandModule<object, { files: string[] }> = {
  command: 'validate <files..>',
  describe: 'check scenario or config files; prints every error as file:line:col  message',
  builder: (yargs: Argv) => yargs.positional('files', { type: 'string', array: true, demandOption: true }) as unknown as Argv<{ files: string[] }>,
  handler: (argv) => {
    const result = validateFiles(argv.files);
    (result.exitCode === 0 ? process.stdout : process.stderr).write(result.output + '\n');
    process.exitCode = result.exitCode;
  },
};
