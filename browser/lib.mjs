// The harness of the browser tests: a demo register served by the real binary at a pinned
// instant, Debian's Chromium driven by playwright-core, and axe-core on every page.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The instant the register stands at: the demo's history ends here, deadlines count from it. */
export const AT = '2025-09-01T09:00:00Z';
export const BINARY = process.env.REESTR_BIN || join(root, 'target', 'debug', 'reestr');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(root, 'docs', 'screenshots');

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    if (Date.now() > until) throw new Error(`the register did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Fills a demo register and serves it; returns its address, the accounts and a stop(). */
export async function startRegister({ persons = 300 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'reestr-browser-'));
  const db = join(dir, 'reestr.db');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    BINARY,
    ['--db', `sqlite://${db}`, '--at', AT, 'demo', '--persons', String(persons), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REESTR_PUBLIC_URL: base } },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await Promise.race([
      waitFor(`${base}/healthz`, 300_000),
      exited.then((code) => {
        throw new Error(`the demo exited (${code}):\n${output}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGINT');
    throw e;
  }
  const accounts = JSON.parse(readFileSync(`${db}.demo.json`, 'utf8'));
  const user = (login) => accounts.users.find((u) => u.login === login);
  return {
    base,
    user,
    /** The current one-time code of a staff account, at the register's instant. */
    totp: (login) => execFileSync(BINARY, ['--at', AT, 'totp', user(login).totp_seed]).toString().trim(),
    async stop() {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * A browser context. axe-core is injected into each page it checks, which the pages' own policy
 * (no script at all) would refuse: the context bypasses the policy for that alone.
 */
export async function context(browser, { lang = 'ru-RU' } = {}) {
  return browser.newContext({ bypassCSP: true, locale: lang, viewport: { width: 1280, height: 900 } });
}

/** Runs axe-core on the page: no serious or critical violation of WCAG 2.x A and AA. */
export async function checkAccessibility(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  assert.deepEqual(text, [], `accessibility of ${name}`);
  return result;
}

/** Saves a screenshot of the page to docs/screenshots/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Logs in through the login form; staff give their one-time code. */
export async function logIn(page, reg, login, staff = false) {
  await page.goto(`${reg.base}/login`);
  await page.getByLabel(/Логин|Login/).fill(login);
  await page.getByLabel(/Пароль|Password/).fill(reg.user(login).password);
  if (staff) await page.getByLabel(/Одноразовый код|One-time code/).fill(reg.totp(login));
  await page.getByRole('button', { name: /Войти|Log in/ }).click();
  await page.waitForLoadState('load');
}
