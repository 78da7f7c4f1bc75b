// A citizen and officers, as people would use the register: in Chromium, with axe-core on every
// page. The steps depend on each other and run in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRegister, launch, context, checkAccessibility, screenshot, logIn } from '../lib.mjs';

let reg, browser, citizen, registrar, supervisor;
/** What the citizen's account showed first: the name and a summons with measures in force. */
const seen = {};

before(async () => {
  reg = await startRegister();
  browser = await launch();
  citizen = await (await context(browser)).newPage();
  registrar = await (await context(browser)).newPage();
  supervisor = await (await context(browser)).newPage();
});

after(async () => {
  await browser?.close();
  await reg?.stop();
});

test('the login page keeps its style under the strict policy and is accessible', async () => {
  // A context that keeps the page's own policy: the stylesheet must still apply.
  const strict = await browser.newContext();
  const page = await strict.newPage();
  const refused = [];
  page.on('console', (m) => m.text().includes('Content Security Policy') && refused.push(m.text()));
  const response = await page.goto(`${reg.base}/login`);
  assert.match(response.headers()['content-security-policy'], /frame-ancestors 'none'/);
  const background = await page.locator('header.site').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(background, 'rgb(31, 78, 140)');
  assert.deepEqual(refused, []);
  await strict.close();
  await citizen.goto(`${reg.base}/login`);
  await checkAccessibility(citizen, 'login');
  await screenshot(citizen, 'login');
});

test('a citizen logs in and reads a summons timeline in plain language', async () => {
  await logIn(citizen, reg, 'citizen');
  assert.equal(new URL(citizen.url()).pathname, '/');
  await citizen.getByRole('heading', { level: 1, name: 'Личный кабинет' }).waitFor();
  seen.name = (await citizen.locator('p.lead').textContent()).trim();
  assert.ok(seen.name.split(' ').length >= 2, seen.name);
  // Measures in force, each with its summons.
  const rows = citizen.locator('section[aria-labelledby="in-force"] tbody tr');
  assert.ok((await rows.count()) > 0, 'the demo citizen has measures in force');
  seen.summons = (await rows.first().locator('td').nth(2).textContent()).trim();
  assert.match(seen.summons, /^\d{2}-\d{4}-\d{7}$/);
  // That summons's timeline: posted, served, the time to appear, measures, what lifts them.
  const card = citizen.locator('article.summons', { hasText: `Повестка № ${seen.summons}` });
  const steps = await card.locator('ol.timeline li').allTextContents();
  const all = steps.join('\n');
  assert.match(all, /размещена в реестре \d{1,2} [а-я]+ \d{4} г\., \d{2}:\d{2}/);
  assert.match(all, /считается врученной|вручена/);
  assert.match(all, /Срок явки \(\d+ дней/);
  assert.match(all, /Сейчас действуют ограничения/);
  assert.match(all, /Ограничения снимаются в момент, когда вы явитесь/);
  assert.doesNotMatch(all, /_ban|deemed|report_window/, 'no internal codes');
  await checkAccessibility(citizen, 'the personal account');
  await screenshot(citizen, 'portal-summonses');
});

test('the citizen requests an extract and sees its content', async () => {
  await citizen.getByRole('link', { name: 'Выписки' }).click();
  await checkAccessibility(citizen, 'extracts');
  await citizen.getByRole('button', { name: 'Получить выписку о повестках' }).click();
  await citizen.waitForURL(/\/extracts\/[SR]-\d{8}-/);
  await citizen.getByRole('heading', { level: 1 }).waitFor();
  assert.match(await citizen.locator('main').textContent(), new RegExp(seen.summons));
  const pdf = await citizen.getByRole('link', { name: 'Скачать PDF' }).getAttribute('href');
  const response = await citizen.request.get(`${reg.base}${pdf}`);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  assert.equal((await response.body()).subarray(0, 5).toString(), '%PDF-');
  await checkAccessibility(citizen, 'an extract');
  await screenshot(citizen, 'portal-extract');
});

test('the citizen files a correction and follows its status and deadline', async () => {
  await citizen.getByRole('link', { name: 'Исправления' }).click();
  await citizen.getByLabel('Что исправить').selectOption({ label: 'Место работы' });
  await citizen.getByLabel('Что не так и почему').fill('Я сменил место работы в июле.');
  await citizen.getByLabel('Верное значение (если знаете)').fill('ООО «Ромашка»');
  await citizen.getByRole('button', { name: 'Отправить запрос' }).click();
  const row = citizen.locator('tbody tr', { hasText: 'Я сменил место работы в июле.' });
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /Ждёт ответа/);
  assert.match(text, /\d{1,2} сентября 2025 г\., 00:00/, 'answer due in five working days, local midnight');
  await checkAccessibility(citizen, 'corrections');
  await screenshot(citizen, 'portal-corrections');
});

test('a registrar finds the person and records the appearance', async () => {
  await logIn(registrar, reg, 'registrar', true);
  assert.equal(new URL(registrar.url()).pathname, '/console');
  await checkAccessibility(registrar, 'the console');
  const [surname, given] = seen.name.split(' ');
  const byName = registrar.locator('section[aria-labelledby="by-name"]');
  await byName.getByLabel('Фамилия').fill(surname);
  await byName.getByLabel('Имя').fill(given);
  await byName.getByRole('button', { name: 'Найти' }).click();
  assert.equal(new URL(registrar.url()).pathname, '/console/search', 'a POST: no name in the URL');
  await registrar.getByRole('link', { name: seen.name }).first().click();
  await registrar.getByRole('heading', { level: 1, name: seen.name }).waitFor();
  // The sensitive fields, for a stated purpose.
  await registrar.getByLabel('Цель просмотра').fill('сверка перед явкой');
  await registrar.getByRole('button', { name: 'Показать с указанной целью' }).click();
  await registrar.getByText('Показаны все сведения').waitFor();
  assert.match(await registrar.locator('main').textContent(), /СНИЛС/);
  await checkAccessibility(registrar, 'a record');
  await screenshot(registrar, 'console-person');

  await registrar.getByRole('link', { name: seen.summons }).click();
  await checkAccessibility(registrar, 'a summons');
  await registrar.getByRole('button', { name: 'Отметить явку' }).click();
  await registrar.getByText('явка отмечена').first().waitFor();
  await screenshot(registrar, 'console-summons');
});

test('the citizen then sees the measures lifted and who read the record', async () => {
  await citizen.getByRole('link', { name: 'Мои повестки' }).click();
  const card = citizen.locator('article.summons', { hasText: `Повестка № ${seen.summons}` });
  assert.match(await card.textContent(), /Вы явились .*все ограничения этой повестки сняты/);
  const inForce = await citizen.locator('section[aria-labelledby="in-force"]').textContent();
  assert.ok(!inForce.includes(seen.summons), 'no measure of that summons is in force');
  await citizen.getByRole('link', { name: 'Кто смотрел мои данные' }).click();
  // Newest first: the registrar's reads of this morning, one with the purpose stated.
  const rows = await citizen.locator('tbody tr').allTextContents();
  assert.match(rows[0], /registrar/);
  const stated = rows.filter((r) => r.includes('сверка перед явкой'));
  assert.ok(stated.some((r) => r.includes('СНИЛС')), `which fields, in words:\n${rows.join('\n')}`);
  assert.ok(stated.some((r) => r.includes('Повестки')), rows.join('\n'));
  await checkAccessibility(citizen, 'who read my data');
  await screenshot(citizen, 'portal-reads');
});

test('the citizen reads the notices and keeps reminders off e-mail at night', async () => {
  await citizen.getByRole('link', { name: 'Уведомления' }).click();
  assert.match(await citizen.locator('main').textContent(), /Код проверки/);
  await citizen.getByRole('checkbox', { name: 'Включить тихие часы' }).check();
  await citizen.getByLabel('С', { exact: true }).fill('22:30');
  await citizen.getByRole('button', { name: 'Сохранить настройки' }).click();
  await citizen.getByRole('heading', { name: 'Уведомления по электронной почте' }).waitFor();
  assert.ok(await citizen.getByRole('checkbox', { name: 'Включить тихие часы' }).isChecked(), 'saved');
  assert.equal(await citizen.getByLabel('С', { exact: true }).inputValue(), '22:30');
  await checkAccessibility(citizen, 'notices');
  await screenshot(citizen, 'portal-notices');
});

test('the registrar answers from the corrections inbox', async () => {
  await registrar.getByRole('link', { name: 'Запросы на исправление' }).click();
  const request = registrar.locator('article', { hasText: 'Я сменил место работы в июле.' });
  await request.waitFor();
  await checkAccessibility(registrar, 'the corrections inbox');
  await screenshot(registrar, 'console-inbox');
  await request.getByLabel('Принять и исправить').check();
  await request.getByLabel('Ответ гражданину').fill('Исправлено по вашему заявлению.');
  await request.getByRole('button', { name: 'Ответить' }).click();
  await registrar.waitForURL(/\/console\/corrections$/);
  assert.equal(await registrar.locator('article', { hasText: 'Я сменил место работы в июле.' }).count(), 0);
});

test('a supervisor reads the dashboards and the rollout in English too', async () => {
  await logIn(supervisor, reg, 'supervisor', true);
  await supervisor.getByRole('link', { name: 'Сводка' }).click();
  const charts = supervisor.locator('svg.chart');
  assert.equal(await charts.count(), 6, 'six measures for the one region');
  const table = await supervisor.locator('section[aria-labelledby="by-region"] tbody').textContent();
  assert.match(table, /\d/);
  await checkAccessibility(supervisor, 'the dashboard');
  await screenshot(supervisor, 'console-dashboard');
  await supervisor.getByRole('link', { name: 'Регионы' }).click();
  await checkAccessibility(supervisor, 'regions');
  await supervisor.getByRole('button', { name: 'English' }).click();
  await supervisor.getByRole('heading', { level: 1, name: 'Regions' }).waitFor();
  await checkAccessibility(supervisor, 'regions in English');
});
