import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { WsfaultClient } from '../client/index.js';
import { renderReport } from '../report/files.js';

interface ReportArgs {
  api: string;
  format: 'md' | 'json' | 'junit';
  'api-token'?: string;
}

/** `wsfault report`: the reconnect report of a running wsfault (SPEC §11), built there and printed here. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: 'print the reconnect report of a running wsfault (exit 3 when an expect: failed)',
  builder: (yargs: Argv) =>
    yargs
      .option('api', { type: 'string', default: 'http://127.0.0.1:7879', describe: 'control API URL' })
      .option('format', { choices: ['md', 'json', 'junit'] as const, default: 'md' as const, describe: 'Markdown, JSON or JUnit XML' })
      .option('api-token', { type: 'string', describe: 'bearer token (env WSFAULT_API_TOKEN)' }) as unknown as Argv<ReportArgs>,
  handler: async (argv: ArgumentsCamelCase<ReportArgs>) => {
    const client = new WsfaultClient(argv.api.replace(/\/$/, ''), { token: argv['api-token'] ?? process.env.WSFAULT_API_TOKEN });
    const report = await client.report();
    process.stdout.write(renderReport(report, argv.format));
    if (report.verdict === 'fail') process.exitCode = 3;
  },
};
