import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where each client test file leaves its rows for docs/clients.md (written by the global teardown). */
export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.cache', 'wsfault-clients');
