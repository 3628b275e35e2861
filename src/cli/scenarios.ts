import type { Argv, CommandModule } from 'yargs';
import { ScenarioLibrary } from '../scenario/library.js';

export function scenariosText(dirs: string[]): string {
  const scenarios = new ScenarioLibrary(dirs).list();
  const width = Math.max(...scenarios.map((s) => s.name.length));
  return scenarios.map((s) => `${s.name.padEnd(width)}  ${s.description.split('\n')[0]}${s.source === 'built-in' ? '' : `  (${s.source})`}`).join('\n');
}

export const scenariosCommand: CommandModule<object, { scenarios?: string }> = {
  command: 'scenarios',
  describe: 'list the available scenarios with their descriptions',
  builder: (yargs: Argv) => yargs.option('scenarios', { type: 'string', describe: 'directory of extra scenario files' }) as unknown as Argv<{ scenarios?: string }>,
  handler: (argv) => {
    process.stdout.write(scenariosText(argv.scenarios ? [argv.scenarios] : []) + '\n');
  },
};
