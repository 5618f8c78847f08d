// End-to-end smoke test of the built page (dist/ served over http by scripts/test).
// Drives Debian's Chromium with playwright-core: loads the page, types a command into the
// terminal, checks its output, and saves a screenshot.
//   node e2e/smoke.cjs http://127.0.0.1:PORT/ target/e2e     (NODE_PATH=.tools/node_modules)
'use strict';
const { chromium } = require('playwright-core');

const [url, shotDir] = process.argv.slice(2);
if (!url || !shotDir) {
  console.error('usage: node e2e/smoke.cjs URL SCREENSHOT_DIR');
  process.exit(2);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });

    const start = Date.now();
    await page.goto(url);
    const input = page.locator('input.command');
    await input.waitFor({ state: 'visible', timeout: 30000 });
    const readyMs = Date.now() - start;

    const prompt = (await page.locator('.input-line .prompt').textContent()) || '';
    if (!prompt.includes('# ')) throw new Error(`unexpected prompt ${JSON.stringify(prompt)}`);

    await input.click();
    await input.pressSequentially('echo hello from kubarium');
    await input.press('Enter');
    await page.locator('.scrollback .line.stdout', { hasText: 'hello from kubarium' })
      .waitFor({ timeout: 10000 });
    const echoed = await page.locator('.scrollback .line.input').last().textContent();
    if (echoed !== `${prompt}echo hello from kubarium`) {
      throw new Error(`command not echoed with its prompt: ${JSON.stringify(echoed)}`);
    }
    // kubectl against the simulated cluster.
    await input.pressSequentially('kubectl get nodes');
    await input.press('Enter');
    await page.locator('.scrollback .line.stdout', { hasText: /w1-k8s\s+Ready/ }).waitFor({ timeout: 10000 });

    // The simulated clock runs in real time by default.
    await page.waitForFunction(
      () => document.querySelector('.clock .elapsed').textContent !== '0:00:00', null, { timeout: 5000 });

    const shot = `${shotDir}/terminal.png`;
    await page.screenshot({ path: shot });

    if (problems.length) throw new Error(problems.join('\n'));
    console.log(`e2e: page interactive after ${readyMs} ms; 'echo' and 'kubectl get nodes' ran in the terminal; the clock runs; screenshot ${shot}`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(`e2e FAILED: ${e.stack || e}`); process.exit(1); });
