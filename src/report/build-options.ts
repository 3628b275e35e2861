import type { ClientFacts } from './client.js';
import type { Expectations } from './expect-schema.js';
import type { KeySpec } from './identity.js';
import type { Report } from './schema.js';

/** What a report is built with (the Reporter's settings, the scenario's expectations). */
export interface BuildOptions {
  specs: readonly KeySpec[];
  mergeWindowMs: number;
  expect: Expectations | null;
  now?: number;
  /** Work from the whole log even where the books would do (the tests compare the two ways). */
  fromLog?: boolean;
}

/** What the two ways of working the clients out give: the fleet, and the clients one at a time. */
export interface ClientsPart {
  fleet: Report['fleet'];
  weak: boolean;
  eachClient(visit: (client: ClientFacts) => void): Pick<Report, 'expectations' | 'verdict'>;
}
