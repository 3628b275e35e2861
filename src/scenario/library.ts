import { readdirSync } from 'node:fs';
import { basename, extname, join, resolve, sep } from 'node:path';
import { WsfaultError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { loadBuiltIn } from './built-in-cache.js';
import { loadScenarioFile, type LoadOptions } from './load.js';
import type { Scenario } from './types.js';

/** The built-in library: scenarios/ at the package root. */
export const BUILT_IN_DIR = join(PACKAGE_ROOT, 'scenarios') + sep;

const isScenarioFile = (name: string) => name.endsWith('.yaml') || name.endsWith('.yml');

/**
 * The scenarios a proxy can switch to: the built-in library, the user's extra directories
 * (which may override a built-in name), and those added through the API. Files are read when
 * the library is (re)loaded; a bad file is an error at that moment, never a silent skip.
 */
export class ScenarioLibrary {
  /** Loaded scenarios, by name; built-ins are loaded when first asked for (start-up stays fast). */
  private scenarios = new Map<string, Scenario | { lazyFile: string }>();

  constructor(
    readonly extraDirs: string[] = [],
    private readonly loadOptions: LoadOptions = {},
  ) {
    this.reload();
  }

  /**
   * Re-reads the directories. The user's files are validated now (a bad one is an error at
   * once, never a silent skip); the built-in ones, which the test suite validates, are indexed
   * by file name and loaded on first use.
   */
  reload(): void {
    const next = new Map<string, Scenario | { lazyFile: string }>();
    for (const file of scenarioFiles(BUILT_IN_DIR)) next.set(scenarioNameOf(file), { lazyFile: file });
    for (const dir of this.extraDirs) {
      for (const file of scenarioFiles(dir)) {
        const scenario = loadScenarioFile(file, { ...this.loadOptions, source: file });
        next.set(scenario.name, scenario);
      }
    }
    for (const [name, scenario] of this.scenarios) if ('source' in scenario && scenario.source === 'api') next.set(name, scenario);
    this.scenarios = next;
  }

  list(): Scenario[] {
    return [...this.scenarios.keys()].sort().map((name) => this.peek(name)!);
  }

  has(name: string): boolean {
    return this.scenarios.has(name);
  }

  /** A scenario by name, or undefined (built-ins are loaded on first use). */
  peek(name: string): Scenario | undefined {
    const entry = this.scenarios.get(name);
    if (!entry || !('lazyFile' in entry)) return entry;
    const scenario = loadBuiltIn(entry.lazyFile, { ...this.loadOptions, source: 'built-in' });
    this.scenarios.set(name, scenario);
    return scenario;
  }

  /** A scenario by name (throws WSFAULT_NOT_FOUND for an unknown one). */
  get(name: string): Scenario {
    const scenario = this.peek(name);
    if (!scenario) throw new WsfaultError('WSFAULT_NOT_FOUND', `no scenario named "${name}" (see wsfault scenarios)`);
    return scenario;
  }

  /** `--scenario NAME|FILE`: a path (it has a slash or a YAML ending) is loaded as a file. */
  resolve(nameOrFile: string): Scenario {
    if (nameOrFile.includes('/') || isScenarioFile(nameOrFile)) return loadScenarioFile(resolve(nameOrFile), { ...this.loadOptions, source: nameOrFile });
    return this.get(nameOrFile);
  }

  /** Adds or replaces a scenario given through the API. */
  put(scenario: Scenario): void {
    this.scenarios.set(scenario.name, scenario);
  }

  remove(name: string): boolean {
    return this.scenarios.delete(name);
  }
}

export function scenarioFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new WsfaultError('WSFAULT_USAGE', `cannot read scenarios directory ${dir} (${(error as NodeJS.ErrnoException).code})`);
  }
  return names
    .filter(isScenarioFile)
    .sort()
    .map((name) => join(dir, name));
}

export function scenarioNameOf(file: string): string {
  return basename(file, extname(file));
}
