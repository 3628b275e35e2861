import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

interface CaArgs {
  pem?: boolean;
  spki?: boolean;
  path?: boolean;
  'tls-ca-dir'?: string;
}

/**
 * `wsfault ca [--pem|--spki|--path]`: the local test CA that --tls uses (SPEC §10), created on
 * first use. Without a flag: where it is, its SPKI hash, and how to trust it.
 */
export const caCommand: CommandModule<object, CaArgs> = {
  command: 'ca',
  describe: 'the local test CA used for --tls (created on first use)',
  builder: (yargs: Argv) =>
    yargs
      .option('pem', { type: 'boolean', describe: 'print the CA certificate (PEM)' })
      .option('spki', { type: 'boolean', describe: "print its base64 SHA-256 SPKI (Chromium's --ignore-certificate-errors-spki-list)" })
      .option('path', { type: 'boolean', describe: 'print the path of ca.pem' })
      .option('tls-ca-dir', { type: 'string', describe: 'where the CA lives (default $XDG_STATE_HOME/wsfault/ca, else ~/.local/state/wsfault/ca)' })
      .conflicts('pem', ['spki', 'path'])
      .conflicts('spki', 'path') as unknown as Argv<CaArgs>,
  handler: async (argv: ArgumentsCamelCase<CaArgs>) => {
    const { defaultCaDir, loadOrCreateCa, spkiHash } = await import('../tls/index.js');
    const ca = await loadOrCreateCa(argv['tls-ca-dir'] ?? defaultCaDir());
    if (argv.pem) return void process.stdout.write(ca.certPem);
    if (argv.spki) return void process.stdout.write(spkiHash(ca.certPem) + '\n');
    if (argv.path) return void process.stdout.write(ca.certPath + '\n');
    process.stdout.write(
      [
        `test CA  ${ca.certPath}`,
        `SPKI     ${spkiHash(ca.certPem)}`,
        '',
        'Trust it (docs/tls.md): NODE_EXTRA_CA_CERTS=' + ca.certPath + ' for Node, ssl cafile for Python,',
        'an NSS database for Chromium. Never trust it outside tests: its key is on this disk.',
      ].join('\n') + '\n',
    );
  },
};
