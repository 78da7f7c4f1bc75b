// A supervisor creates a campaign for the region, sees its dry run (how many, how many already
// hold an open summons, a sample) and starts issuing, following the progress.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRegister, launch, context, checkAccessibility, screenshot, logIn } from '../lib.mjs';

let reg, browser, page;

before(async () => {
  reg = await startRegister({ persons: 200 });
  browser = await launch();
  page = await (await context(browser)).newPage();
  await logIn(page, reg, 'supervisor', true);
});

after(async () => {
  await browser?.close();
  await reg?.stop();
});

test('a supervisor creates a campaign, sees its dry run and issues it', async () => {
  await page.getByRole('link', { name: 'Призывные кампании' }).click();
  await checkAccessibility(page, 'campaigns');
  await page.getByRole('link', { name: /Новая кампания/ }).click();
  await checkAccessibility(page, 'a new campaign');
  // The demo has already summoned the region's 18 to 27-year-olds for a medical examination:
  // they hold open summonses; the older ones of call-up age would be summoned.
  await page.getByLabel(/Годы рождения с/).fill('1995');
  await page.getByLabel(/Годы рождения по/).fill('2007');
  await page.getByRole('button', { name: /пробный расчёт/i }).click();
  const main = await page.locator('main').textContent();
  assert.match(main, /\d+ (человек|человека)/, 'how many');
  assert.match(main, /уже есть открытая повестка/i, 'how many already have an open summons');
  assert.ok(Number(/Будет выпущено: (\d+)/.exec(main)?.[1]) > 0, 'some would be summoned');
  assert.ok((await page.locator('main table[aria-labelledby="sample"] tbody tr').count()) > 0, 'a sample');
  assert.doesNotMatch(page.url(), /\d{3}-\d{3}-\d{3}/, 'no identifiers in the URL');
  await checkAccessibility(page, 'a dry run');
  await screenshot(page, 'console-campaign-dry-run');

  await page.getByRole('button', { name: /Начать выпуск/ }).click();
  await page.getByRole('heading', { name: 'Ход выпуска' }).waitFor();
  for (let i = 0; i < 50 && !/завершена/.test(await page.locator('main').textContent()); i++) {
    await new Promise((r) => setTimeout(r, 200));
    await page.reload();
  }
  assert.match(await page.locator('main').textContent(), /завершена/, 'issuing runs to its end');
  await checkAccessibility(page, 'a campaign issued');
});
