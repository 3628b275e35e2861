import { watch, type FSWatcher } from 'node:fs';
import type { App } from './app.js';

/**
 * --watch: when a scenario directory or a scenario file a proxy started with changes, the App
 * re-reads its library (App.reloadScenarios). A file that no longer validates is reported and
 * the running version stays. Returns the stop.
 */
export function watchScenarios(app: App, dirs: string[], warn: (message: string) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  const reload = () => {
    timer = null;
    for (const problem of app.reloadScenarios()) warn(problem);
  };
  // Editors write files in several steps: settle for a moment before reloading.
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, 100);
  };
  const files = [...app.proxies.values()].flatMap((one) => (one.scenarioFile ? [one.scenarioFile] : []));
  const watchers: FSWatcher[] = [...dirs, ...files].map((path) => watch(path, { persistent: false }, changed));
  return () => {
    if (timer) clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
