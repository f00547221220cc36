// Where the browser tests' Chromium is: $CHROMIUM_PATH, else a system
// Chromium, else the headless shell inside the @sparticuz/chromium package
// (a registry package, so `npm install` is all a fresh machine needs).
import { existsSync } from 'node:fs';
import { readSetting } from '../lib/config.ts';

const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

let found: Promise<string> | null = null;

/** The Chromium executable to drive with playwright-core; unpacks the packaged one once per process. */
export function chromiumPath(): Promise<string> {
  found ??= (async () => {
    const env = readSetting('CHROMIUM_PATH');
    if (env) {
      if (!existsSync(env)) throw new Error(`CHROMIUM_PATH ${env} does not exist`);
      return env;
    }
    const system = SYSTEM.find((p) => existsSync(p));
    if (system) return system;
    const packaged = (await import('@sparticuz/chromium')).default;
    return packaged.executablePath();
  })();
  return found;
}
