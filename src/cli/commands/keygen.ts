/** `gomirror keygen`: make the Ed25519 key pair that signs bundles. */
import type { Argv } from 'yargs';
import type { GomirrorCommand } from '../command.js';
import { createOutput } from '../output.js';

interface KeygenArgs {
  out: string;
  force: boolean;
}

export const keygenCommand: GomirrorCommand<KeygenArgs> = {
  command: 'keygen',
  describe: 'Write an Ed25519 key pair for signing bundles: FILE (private, mode 0600) and FILE.pub',
  builder: (y: Argv) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'Private key file; the public key goes to FILE.pub' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace existing key files' })
      .example('$0 keygen --out /etc/gomirror/bundle.key', 'Then: bundle export --sign-key FILE, bundle import --verify-key FILE.pub'),
  handler: async (argv) => {
    const { writeKeyPair } = await import('../../bundle/index.js');
    const out = createOutput('text');
    const r = await writeKeyPair(argv.out, argv.force);
    out.result(`key ${r.keyId}: private key ${r.privateFile} (keep it secret), public key ${r.publicFile}`);
    out.finish();
    return 0;
  },
};
