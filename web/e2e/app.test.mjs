// End-to-end tests: real Tessera servers + web/dist + Debian Chromium (playwright-core).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiCall, createShowLike, launchBrowser, showIdByName, startTessera, WEB_DIR } from './harness.mjs';
import { journeys } from './journeys.mjs';

// The README's screenshots are rewritten only on request, so a plain test run leaves the tree clean.
const SHOTS = join(WEB_DIR, process.env.UPDATE_SCREENSHOTS ? 'screenshots' : 'test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });
const T = 20_000; // per-expectation timeout (ms)

let main; // server with the normal hold TTL
let short; // server with HOLD_TTL_SECONDS=3
let chrome;

const seat = (page, label) => page.getByRole('button', { name: new RegExp(`^Seat ${label},`) });
const uniqueEmail = (p) => `${p}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

async function waitFor(fn, what, timeout = T) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// What the browser refused under the service's Content-Security-Policy, on any page.
const policyViolations = [];

/** A page in a fresh browser context; `options` go to the context (e.g. `timezoneId` to set the browser's zone). */
async function newPage(url, options = {}) {
  const ctx = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await ctx.newPage();
  page.setDefaultTimeout(T);
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
  });
  await page.goto(url);
  return { ctx, page };
}

async function registerViaUi(page, email, password = 'correct-horse-1') {
  await page.goto(new URL('/login', page.url()).href);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function loginViaUi(page, email, password) {
  await page.goto(new URL('/login', page.url()).href);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

const ADMIN = { email: 'admin@tessera.local', password: 'tessera-admin' };

async function tokenFor(base, email, password) {
  const r = await apiCall(base, 'POST', '/auth/login', { email, password });
  assert.equal(r.status, 200);
  return r.body.access_token;
}

/** A new buyer account, signed in through the API. */
async function apiBuyer(base, prefix) {
  const email = uniqueEmail(prefix);
  await apiCall(base, 'POST', '/auth/register', { email, password: 'correct-horse-1' });
  return { email, token: await tokenFor(base, email, 'correct-horse-1') };
}

/** A fresh show like a seeded one (see `createShowLike`). */
async function createShow(base, name, like = 'Dune: Part Three') {
  return createShowLike(base, await tokenFor(base, ADMIN.email, ADMIN.password), name, like);
}

/** Signs the admin in and opens the management panel of the show named `name`. */
async function manageShow(page, name) {
  await loginViaUi(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('button', { name: new RegExp(`^Manage ${name},`) }).click();
  await page.getByRole('heading', { level: 2, name }).waitFor();
}

const cellTexts = (row) => row.getByRole('cell').allTextContents();

/** A count as the seat map writes it: "1,997". */
const count = (n) => n.toLocaleString('en');

/** A standing area drawn on the seat map: the button that names it with its places left. */
const areaOnMap = (page, name, price, left) =>
  page.getByRole('button', { name: `${name}, standing, ${price} per place, ${left === 0 ? 'sold out' : `${count(left)} places left`}` });

/** Which standing area's quantity picker has the focus (its card's name), if one has. */
const focusedPicker = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el?.tagName === 'SELECT' ? (el.closest('.standing-card')?.getAttribute('data-area') ?? null) : null;
  });

/** The number in a standing area's "N of M places left". */
async function placesLeftIn(area) {
  const text = await area.getByTestId('places-left').textContent();
  const m = /^(\d+) of (\d+) places left$/.exec(text ?? '');
  return m ? Number(m[1]) : text === 'Sold out' ? 0 : NaN;
}

// The zone as the UI names it; its short name (GMT, GMT+1, WET…) depends on the season the seeded dates fall in.
const LISBON = String.raw`\(Lisbon, [^)]+\)`;

before(async () => {
  const started = await Promise.allSettled([startTessera({ holdTtl: 300 }), startTessera({ holdTtl: 3 }), launchBrowser()]);
  [main, short, chrome] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason; // after() stops whatever did start
});

after(async () => {
  await Promise.allSettled([chrome?.close()]);
  await Promise.allSettled([main?.stop(), short?.stop()]);
});

describe('Tessera web UI', () => {
  test('register, hold two seats with a countdown, confirm; another browser sees them taken live', async () => {
    const showId = await showIdByName(main.base, 'Dune: Part Three');

    // Buyer 2 watches the same show and has selected A5, which buyer 1 is about to take.
    const other = await newPage(`${main.base}/shows/${showId}`);
    await seat(other.page, 'A5').click();
    assert.equal(await seat(other.page, 'A5').getAttribute('aria-pressed'), 'true');
    await other.page.getByText('● live').waitFor();

    const { ctx, page } = await newPage(`${main.base}/`);
    await page.getByRole('link', { name: 'Dune: Part Three' }).first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'show-list.png') });
    await registerViaUi(page, uniqueEmail('buyer'));

    await page.goto(`${main.base}/shows/${showId}`);
    await seat(page, 'A4').click();
    await seat(page, 'A5').click();
    assert.equal(await seat(page, 'A4').getAttribute('aria-pressed'), 'true');
    assert.match((await seat(page, 'A4').getAttribute('aria-label')) ?? '', /^Seat A4, aisle, standard, €12\.00, available$/);
    // The cinema's back stalls row has wheelchair spaces: named so, and drawn with the symbol.
    assert.match((await seat(page, 'H1').getAttribute('aria-label')) ?? '', /^Seat H1, wheelchair space, standard, /);
    assert.equal((await seat(page, 'H1').textContent())?.trim(), '♿');
    await page.getByRole('button', { name: 'Hold 2 seats' }).click();

    await page.getByRole('heading', { name: 'Seats held: A4, A5' }).waitFor();
    const countdown = page.getByRole('timer');
    const shown = await countdown.textContent();
    assert.match(shown ?? '', /^[0-9]+:[0-5][0-9]$/);
    await page.screenshot({ path: join(SHOTS, 'seat-map-hold.png') });

    // Buyer 2: A5 turns held live and leaves their selection, with a message.
    await other.page.getByText('Seat A5 was just taken by someone else').waitFor();
    assert.equal(await seat(other.page, 'A5').getAttribute('aria-pressed'), 'false');
    await seat(other.page, 'A5').and(other.page.getByRole('button', { name: /held$/ })).waitFor();

    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { name: 'Booked: A4, A5' }).waitFor();
    await seat(page, 'A4').and(page.getByRole('button', { name: /booked$/ })).waitFor();

    // ...and booked, live, for buyer 2 (no reload).
    await seat(other.page, 'A4').and(other.page.getByRole('button', { name: /booked$/ })).waitFor();
    await seat(other.page, 'A5').and(other.page.getByRole('button', { name: /booked$/ })).waitFor();

    // In-app links change the path without loading the page again; Back returns to the show.
    await page.evaluate(() => (window.__samePage = true));
    await page.getByRole('link', { name: 'My bookings' }).first().click();
    await page.getByRole('cell', { name: 'A4, A5' }).waitFor();
    await page.getByRole('cell', { name: 'confirmed' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/bookings');
    assert.equal(await page.evaluate(() => window.__samePage), true);
    await page.goBack();
    await page.getByRole('heading', { name: 'Dune: Part Three' }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/shows/${showId}`);
    assert.equal(await page.evaluate(() => window.__samePage), true);
    await Promise.all([ctx.close(), other.ctx.close()]);
  });

  test('a refused hold (seats_unavailable) names the seats taken meanwhile', async () => {
    const showId = await showIdByName(main.base, 'Dune: Part Three');
    const { ctx, page } = await newPage(`${main.base}/`);
    // No live stream in this test, so the map cannot learn of the other hold before we try ours.
    await page.route('**/events*', (route) => route.abort());
    await registerViaUi(page, uniqueEmail('racer'));
    await page.goto(`${main.base}/shows/${showId}`);
    await seat(page, 'C1').click();
    await seat(page, 'C2').click();
    const email = uniqueEmail('api');
    await apiCall(main.base, 'POST', '/auth/register', { email, password: 'correct-horse-1' });
    const tok = (await apiCall(main.base, 'POST', '/auth/login', { email, password: 'correct-horse-1' })).body.access_token;
    const c2 = Number(await seat(page, 'C2').getAttribute('data-seat-id'));
    const r = await apiCall(main.base, 'POST', '/bookings', { show_id: showId, seat_ids: [c2] }, tok);
    assert.equal(r.status, 201);
    await page.getByRole('button', { name: 'Hold 2 seats' }).click();
    await page.getByRole('alert').filter({ hasText: 'Seat C2 is no longer available' }).waitFor();
    assert.equal(await seat(page, 'C2').getAttribute('aria-pressed'), 'false');
    assert.equal(await seat(page, 'C1').getAttribute('aria-pressed'), 'true');
    await ctx.close();
  });

  test('keyboard-only booking', async () => {
    const showId = await showIdByName(main.base, 'The Little Prince');
    const email = uniqueEmail('keys');
    await apiCall(main.base, 'POST', '/auth/register', { email, password: 'correct-horse-1' });
    const { ctx, page } = await newPage(`${main.base}/login`);
    const kb = page.keyboard;
    await page.getByLabel('E-mail').focus();
    await kb.type(email);
    await kb.press('Tab');
    await kb.type('correct-horse-1');
    await kb.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    await page.goto(`${main.base}/shows/${showId}`);
    await seat(page, 'A1').waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
    // Tab into the map: exactly one seat is in the tab order (roving tabindex).
    for (let i = 0; i < 40 && !(await focused()).startsWith('Seat '); i++) await kb.press('Tab');
    assert.match(await focused(), /^Seat A1,/);
    await kb.press('ArrowRight');
    await kb.press('ArrowRight');
    assert.match(await focused(), /^Seat A3,/);
    await kb.press('Enter');
    await kb.press('ArrowDown');
    assert.match(await focused(), /^Seat B3,/);
    await kb.press('Space');
    assert.equal(await seat(page, 'A3').getAttribute('aria-pressed'), 'true');
    assert.equal(await seat(page, 'B3').getAttribute('aria-pressed'), 'true');
    for (let i = 0; i < 40 && (await focused()) !== 'Hold 2 seats'; i++) await kb.press('Shift+Tab');
    assert.equal(await focused(), 'Hold 2 seats');
    await kb.press('Enter');
    await page.getByRole('heading', { name: 'Seats held: A3, B3' }).waitFor();
    for (let i = 0; i < 10 && (await focused()) !== 'Confirm booking'; i++) await kb.press('Tab');
    assert.equal(await focused(), 'Confirm booking');
    await kb.press('Enter');
    await page.getByRole('heading', { name: 'Booked: A3, B3' }).waitFor();
    await ctx.close();
  });

  test('an expired hold is refused clearly and can be retried', async () => {
    const showId = await showIdByName(short.base, 'Dune: Part Three');
    const { ctx, page } = await newPage(`${short.base}/`);
    await registerViaUi(page, uniqueEmail('late'));
    await page.goto(`${short.base}/shows/${showId}`);

    // 1. The countdown runs out: the UI checks with the server and says the hold expired.
    await seat(page, 'D1').click();
    await page.getByRole('button', { name: 'Hold 1 seat' }).click();
    await page.getByRole('heading', { name: 'Seats held: D1' }).waitFor();
    await page.getByRole('heading', { name: 'Your hold expired' }).waitFor();
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Seats held: D1' }).waitFor();
    await page.getByRole('button', { name: 'Cancel hold' }).click();
    await page.getByRole('heading', { name: 'Cancelled' }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    // 2. The browser clock stands still, so only the server knows the hold lapsed: confirm is refused.
    await page.clock.setFixedTime(new Date());
    await seat(page, 'D2').click();
    await page.getByRole('button', { name: 'Hold 1 seat' }).click();
    await page.getByRole('heading', { name: 'Seats held: D2' }).waitFor();
    const token = await page.evaluate(() => localStorage.getItem('tessera.token'));
    await waitFor(async () => {
      const r = await apiCall(short.base, 'GET', '/bookings?limit=1', undefined, token);
      return r.body.items[0]?.status === 'FAILED';
    }, 'the hold to lapse on the server');
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { name: 'Your hold expired' }).waitFor();
    await page.getByText('expired before it was confirmed').waitFor();
    await ctx.close();
  });

  test('admin creates a layout and a show', async () => {
    const { ctx, page } = await newPage(`${main.base}/`);
    await loginViaUi(page, 'admin@tessera.local', 'tessera-admin');
    await page.getByRole('link', { name: 'Admin' }).click();
    const layoutName = `E2E hall ${Date.now()}`;
    await page.getByLabel('Layout name').fill(layoutName);
    await page.getByRole('button', { name: 'Add row' }).click();
    await page.getByLabel('Section 1 row 3 seats').fill('14');
    await page.getByRole('button', { name: 'Add section' }).click();
    await page.getByLabel('Section name').nth(1).fill('Balcony');
    await page.getByLabel('Section category').nth(1).fill('vip');
    await page.getByLabel('Section 2 row 1 seats').fill('8');
    await page.getByText('44 seats in 2 sections').waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-layout-editor.png') });
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByText(new RegExp(`Saved layout “${layoutName}” \\(#\\d+, 44 seats\\)`)).waitFor();

    await page.getByLabel('Show name').fill('E2E Premiere');
    await page.getByLabel('Kind').selectOption('event');
    await page.getByLabel('Price for standard').fill('9.50');
    await page.getByLabel('Price for vip').fill('25');
    await page.getByRole('button', { name: 'Create show' }).click();
    await page.getByRole('link', { name: 'E2E Premiere' }).click();
    await page.getByRole('heading', { name: 'E2E Premiere' }).waitFor();
    assert.match((await seat(page, 'D1').getAttribute('aria-label')) ?? '', /^Seat D1, vip, €25\.00, available$/);
    assert.match((await seat(page, 'A1').getAttribute('aria-label')) ?? '', /^Seat A1, standard, €9\.50, available$/);
    await ctx.close();
  });

  test('admin edits a show: a refused change shows why; the new name and price reach an open buyer page live', async () => {
    const name = `E2E Edit ${Date.now()}`;
    const renamed = `${name} (moved)`;
    const showId = await createShow(main.base, name);
    const buyer = await newPage(`${main.base}/shows/${showId}`);
    await buyer.page.getByText('● live').waitFor();
    assert.match((await seat(buyer.page, 'A1').getAttribute('aria-label')) ?? '', /, standard, €12\.00, available$/);

    const { ctx, page } = await newPage(`${main.base}/`);
    await manageShow(page, name);
    const edit = page.getByRole('region', { name: 'Edit show' });
    // A time in the past: the service's explanation is shown as it came.
    await edit.getByLabel('Starts at').fill('2020-01-01T10:00');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.getByRole('alert').filter({ hasText: 'A show can only be moved to a time in the future.' }).waitFor();

    await edit.getByLabel('Starts at').fill('2031-06-01T20:00');
    await edit.getByLabel('Name').fill(renamed);
    await edit.getByLabel('Price for standard').fill('14.50');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.getByRole('status').filter({ hasText: `Saved “${renamed}”.` }).waitFor();
    // The start time is read in the show's zone (Lisbon, on summer time in June), not the browser's.
    assert.equal(await edit.getByLabel('Time zone').inputValue(), 'Europe/Lisbon');
    const stored = (await apiCall(main.base, 'GET', `/shows/${showId}`)).body;
    assert.equal(stored.starts_at.replace('+00:00', 'Z'), '2031-06-01T19:00:00Z');
    assert.equal(stored.time_zone, 'Europe/Lisbon');
    assert.deepEqual(stored.prices, { premium: 1800, standard: 1450 });
    await page.getByRole('row').filter({ hasText: renamed }).waitFor(); // the admin's list follows

    // The buyer's open page is told to reload (resync): new name, new standard price, premium unchanged.
    await buyer.page.getByRole('heading', { name: renamed }).waitFor();
    await seat(buyer.page, 'A1').and(buyer.page.getByRole('button', { name: /, standard, €14\.50, available$/ })).waitFor();
    assert.match((await seat(buyer.page, 'J1').getAttribute('aria-label')) ?? '', /, premium, €18\.00, available$/);
    await buyer.page.goto(`${main.base}/`);
    await buyer.page.getByRole('link', { name: renamed }).waitFor();
    await Promise.all([ctx.close(), buyer.ctx.close()]);
  });

  test('admin blocks seats on the map: buyers see them not for sale; a seat held meanwhile is refused by name', async () => {
    const name = `E2E Blocks ${Date.now()}`;
    const showId = await createShow(main.base, name);
    const buyer = await newPage(`${main.base}/shows/${showId}`);
    await buyer.page.getByText('● live').waitFor();

    const { ctx, page } = await newPage(`${main.base}/`);
    // No live stream for the admin here, so the map cannot learn of the buyer's hold before the block.
    await page.route('**/events*', (route) => route.abort());
    await manageShow(page, name);
    const blocks = page.getByRole('region', { name: 'Seats off sale' });
    await seat(blocks, 'C5').click();
    assert.equal(await seat(blocks, 'C5').getAttribute('aria-pressed'), 'true');
    await blocks.getByLabel('Reason').fill('house seats');
    await blocks.getByRole('button', { name: 'Block 1 seat' }).click();
    await blocks.getByText('Blocked C5.').waitFor();
    await seat(blocks, 'C5').and(page.getByRole('button', { name: /not for sale$/ })).waitFor();
    const report = page.getByRole('region', { name: 'Sales report' });
    await waitFor(async () => (await cellTexts(report.getByRole('row', { name: /^standard/ })))[3] === '1', 'the report to count the blocked seat');

    // The buyer's open map shows C5 not for sale, live; it cannot be selected, and a fresh page agrees.
    await seat(buyer.page, 'C5').and(buyer.page.getByRole('button', { name: /not for sale$/ })).waitFor();
    assert.equal(await seat(buyer.page, 'C5').getAttribute('aria-disabled'), 'true');
    await seat(buyer.page, 'C5').click({ force: true }); // aria-disabled: Playwright would wait for it to be enabled
    assert.equal(await seat(buyer.page, 'C5').getAttribute('aria-pressed'), 'false');
    assert.equal((await seat(buyer.page, 'C5').textContent())?.trim(), '⊘');
    const fresh = await newPage(`${main.base}/shows/${showId}`);
    await seat(fresh.page, 'C5').and(fresh.page.getByRole('button', { name: /not for sale$/ })).waitFor();
    await fresh.ctx.close();

    // C6 is selected on the admin's map, then a buyer holds it: the block is refused, naming C6.
    await seat(blocks, 'C6').click();
    const other = await apiBuyer(main.base, 'holder');
    const c6 = Number(await seat(blocks, 'C6').getAttribute('data-seat-id'));
    assert.equal((await apiCall(main.base, 'POST', '/bookings', { show_id: showId, seat_ids: [c6] }, other.token)).status, 201);
    await blocks.getByRole('button', { name: 'Block 1 seat' }).click();
    await blocks.getByRole('alert').filter({ hasText: 'Seat C6 is held or sold, so it cannot be blocked.' }).waitFor();
    await seat(blocks, 'C6').and(page.getByRole('button', { name: /held$/ })).waitFor();
    assert.equal(await seat(blocks, 'C6').getAttribute('aria-pressed'), 'false');

    // Blocked seats are selected to put them back on sale.
    await seat(blocks, 'C5').click();
    await blocks.getByRole('button', { name: 'Unblock 1 seat' }).click();
    await blocks.getByText('Put C5 back on sale.').waitFor();
    await seat(buyer.page, 'C5').and(buyer.page.getByRole('button', { name: /available$/ })).waitFor();
    await Promise.all([ctx.close(), buyer.ctx.close()]);
  });

  test('admin cancels a show with a confirmed booking: report, bookings and the dialog name it; buyers see it cancelled', async () => {
    const name = `E2E Cancel ${Date.now()}`;
    const showId = await createShow(main.base, name);
    // A buyer books D1 + D2 in the UI and keeps the page open; someone else holds D5.
    const buyer = await newPage(`${main.base}/`);
    const email = uniqueEmail('fan');
    await registerViaUi(buyer.page, email);
    await buyer.page.goto(`${main.base}/shows/${showId}`);
    await seat(buyer.page, 'D1').click();
    await seat(buyer.page, 'D2').click();
    await buyer.page.getByRole('button', { name: 'Hold 2 seats' }).click();
    await buyer.page.getByRole('button', { name: 'Confirm booking' }).click();
    await buyer.page.getByRole('heading', { name: 'Booked: D1, D2' }).waitFor();
    await buyer.page.getByText('● live').waitFor();
    const other = await apiBuyer(main.base, 'holder');
    const d5 = Number(await seat(buyer.page, 'D5').getAttribute('data-seat-id'));
    assert.equal((await apiCall(main.base, 'POST', '/bookings', { show_id: showId, seat_ids: [d5] }, other.token)).status, 201);

    const { ctx, page } = await newPage(`${main.base}/`);
    await manageShow(page, name);

    // The report: two seats booked and one held (standard), one confirmed booking worth 24.00, one live hold.
    const report = page.getByRole('region', { name: 'Sales report' });
    const figure = (term) => report.locator(`dt:text-is("${term}") + dd`).textContent();
    await waitFor(async () => (await figure('Confirmed bookings')) === '1', 'the report');
    assert.deepEqual(await cellTexts(report.getByRole('row', { name: /^standard/ })), ['117', '1', '2', '0']);
    assert.equal(await figure('Revenue'), '€24.00');
    assert.equal(await figure('Live holds'), '1 (1 seat)');

    // The booking list: the buyer's e-mail, status, seats, total; the status filter narrows it.
    const bookings = page.getByRole('region', { name: 'Bookings' });
    const mine = bookings.getByRole('row').filter({ hasText: email });
    await mine.waitFor();
    assert.deepEqual((await cellTexts(mine)).slice(0, 4), [email, 'confirmed', 'D1, D2', '€24.00']);
    await bookings.getByRole('row').filter({ hasText: other.email }).waitFor();
    await bookings.getByLabel('Status').selectOption('PENDING');
    await waitFor(async () => (await bookings.getByRole('row').filter({ hasText: email }).count()) === 0, 'the filter to drop the confirmed booking');
    assert.deepEqual((await cellTexts(bookings.getByRole('row').filter({ hasText: other.email }))).slice(1, 3), ['held', 'D5']);
    await bookings.getByLabel('Status').selectOption('');
    await mine.waitFor();

    // The confirmation names what goes with the show; focus is inside the dialog on the safe choice.
    await page.getByRole('button', { name: 'Cancel show…' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel “${name}”?` });
    await dialog
      .getByText("This cancels 1 confirmed booking and 1 hold. Buyers' bookings become SHOW_CANCELLED. This cannot be undone.")
      .waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[role="dialog"]') ? document.activeElement.textContent : null), 'Keep show');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel show…');
    await page.getByRole('button', { name: 'Cancel show…' }).click();
    await dialog.screenshot({ path: join(SHOTS, 'admin-cancel-show.png') });
    await dialog.getByRole('button', { name: 'Cancel show', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Show cancelled: 1 confirmed booking and 1 hold cancelled.' }).waitFor();

    // Marked cancelled, and nothing left to edit or cancel; the report and the list follow.
    await page.getByRole('heading', { level: 2, name }).filter({ hasText: 'Cancelled' }).waitFor();
    await page.getByRole('row').filter({ hasText: name }).getByRole('cell', { name: 'Cancelled' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel show…' }).count(), 0);
    assert.equal(await page.getByRole('region', { name: 'Edit show' }).count(), 0);
    await waitFor(async () => (await figure('Confirmed bookings')) === '0', 'the report after the cancellation');
    await mine.getByRole('cell', { name: 'Show cancelled' }).waitFor();

    // The buyer's open page: the banner and what became of the booking, live; no hold offered.
    await buyer.page.getByText('this show will not take place').waitFor();
    await buyer.page.getByRole('heading', { name: 'Show cancelled' }).waitFor();
    assert.equal(await buyer.page.getByRole('button', { name: /^Hold / }).count(), 0);
    // My bookings says "Show cancelled"; the show list marks the show.
    await buyer.page.getByRole('link', { name: 'My bookings' }).first().click();
    await buyer.page.getByRole('row').filter({ hasText: 'D1, D2' }).getByRole('cell', { name: 'Show cancelled' }).waitFor();
    await buyer.page.getByRole('link', { name: 'Shows', exact: true }).click();
    const card = buyer.page.getByRole('listitem').filter({ has: buyer.page.getByRole('link', { name }) });
    await card.getByText('Cancelled', { exact: true }).waitFor();
    assert.equal(await card.getByText(/seats left/).count(), 0);
    // Opened afresh, the show page offers no hold: seats cannot be selected.
    await card.getByRole('link', { name }).click();
    await buyer.page.getByText('this show will not take place').waitFor();
    await seat(buyer.page, 'A1').click({ force: true });
    assert.equal(await seat(buyer.page, 'A1').getAttribute('aria-pressed'), 'false');
    assert.equal(await buyer.page.getByRole('button', { name: /^Hold / }).count(), 0);
    assert.equal(await buyer.page.getByRole('link', { name: 'Sign in to hold seats' }).count(), 0);
    await Promise.all([ctx.close(), buyer.ctx.close()]);
  });

  test('standing: a buyer picks the arena floor on the map, holds 3 places and confirms; places left drop, live on another page', async () => {
    const showId = await showIdByName(main.base, 'Championship Final');
    // Someone else watches the arena.
    const other = await newPage(`${main.base}/shows/${showId}`);
    const otherFloor = other.page.getByRole('region', { name: 'Floor' });
    await otherFloor.getByTestId('places-left').waitFor();
    await other.page.getByText('● live').waitFor();
    const before = await placesLeftIn(otherFloor);
    assert.ok(before >= 3, `places left: ${before}`);

    const { ctx, page } = await newPage(`${main.base}/`);
    await registerViaUi(page, uniqueEmail('floor'));
    await page.goto(`${main.base}/shows/${showId}`);
    const floor = page.getByRole('region', { name: 'Floor' });
    // The floor is drawn on the map where it stands: in front of the bowls, inside the overview, named with its places left.
    const onMap = areaOnMap(page, 'Floor', '€150.00', before);
    await onMap.waitFor();
    assert.match(await onMap.textContent(), new RegExp(`^Floor.*${count(before)} places left$`));
    const [view, ground, lowerBowl] = await Promise.all([
      page.locator('.seatmap-scroll').boundingBox(),
      page.locator('polygon.standing-shape').boundingBox(),
      page.locator('.section-shape').first().boundingBox(),
    ]);
    assert.ok(ground.x >= view.x - 1 && ground.x + ground.width <= view.x + view.width + 1 && ground.y >= view.y - 1, JSON.stringify({ view, ground }));
    assert.ok(ground.y + ground.height <= lowerBowl.y + 1 && ground.width > 0.9 * lowerBowl.width, JSON.stringify({ ground, lowerBowl }));
    // Activating it brings the buyer to the floor's quantity picker.
    await onMap.click();
    await waitFor(async () => (await focusedPicker(page)) === 'Floor', 'the floor’s picker focused');
    await floor.getByLabel('Number of places').selectOption('3');
    await floor.getByText('total €450.00').waitFor();
    // Read-your-writes: the places left are fetched again at least at the hold's show_version.
    const minVersions = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === `/api/v1/shows/${showId}/seats` && u.searchParams.has('min_version')) minVersions.push(Number(u.searchParams.get('min_version')));
    });
    const holdAnswer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/bookings');
    await floor.getByRole('button', { name: 'Hold 3 places' }).click();
    const answered = await holdAnswer;
    assert.equal(answered.status(), 201);
    const showVersion = (await answered.json()).show_version;
    assert.ok(Number.isInteger(showVersion) && showVersion > 0, `show_version: ${showVersion}`);
    await page.getByRole('heading', { name: 'Places held: Floor × 3' }).waitFor();
    await waitFor(() => minVersions.some((v) => v >= showVersion), `a seat-map request with min_version >= ${showVersion} (saw ${minVersions})`);
    assert.match((await page.getByRole('timer').textContent()) ?? '', /^[0-9]+:[0-5][0-9]$/);
    await waitFor(async () => (await placesLeftIn(floor)) === before - 3, 'the buyer’s own count to drop by 3');
    await areaOnMap(page, 'Floor', '€150.00', before - 3).waitFor();
    await page.screenshot({ path: join(SHOTS, 'arena-standing.png') });
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { name: 'Booked: Floor × 3' }).waitFor();

    // The other page learns of it live (the event names places not on its map, so it fetches the counts), on its map too.
    await waitFor(async () => (await placesLeftIn(otherFloor)) === before - 3, 'the other page to see 3 places fewer');
    await areaOnMap(other.page, 'Floor', '€150.00', before - 3).waitFor();
    // ...and a fresh page agrees.
    const fresh = await newPage(`${main.base}/shows/${showId}`);
    await fresh.page.getByRole('region', { name: 'Floor' }).getByTestId('places-left').waitFor();
    assert.equal(await placesLeftIn(fresh.page.getByRole('region', { name: 'Floor' })), before - 3);
    const stored = (await apiCall(main.base, 'GET', `/shows/${showId}/seats`)).body.standing[0];
    assert.equal(stored.available, before - 3);

    // My bookings: the places counted, the show's time in Madrid.
    await page.getByRole('link', { name: 'My bookings' }).first().click();
    const row = page.getByRole('row').filter({ hasText: 'Floor × 3' });
    await row.getByRole('cell', { name: 'confirmed' }).waitFor();
    await waitFor(async () => /0?8:00\s?PM \(Madrid, [^)]+\)/.test(await row.textContent()), 'the show’s Madrid time in My bookings');
    await Promise.all([ctx.close(), other.ctx.close(), fresh.ctx.close()]);
  });

  test('appointments: a patient books a clinic time from the list and sees it in My bookings at Lisbon time', async () => {
    const showId = await showIdByName(main.base, 'Morning clinic');
    // A browser far from Lisbon: the times stay the clinic's.
    const { ctx, page } = await newPage(`${main.base}/`, { timezoneId: 'Asia/Tokyo' });
    assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'Asia/Tokyo');
    await registerViaUi(page, uniqueEmail('patient'));
    await page.goto(`${main.base}/shows/${showId}`);
    const rivera = page.getByRole('region', { name: 'Dr. Rivera' });
    await page.getByRole('region', { name: 'Dr. Okafor' }).waitFor();
    // A list of times per practitioner; no seat map, no seats.
    assert.equal(await page.locator('button.seat').count(), 0);
    assert.equal(await page.getByText(/\bseats?\b/i).count(), 0);
    assert.match(await rivera.textContent(), new RegExp(`times ${LISBON}`));
    // One tap on a named time holds it.
    await page.getByText('Tap a free time to hold it.').waitFor();
    await rivera.getByRole('button', { name: /^Dr\. Rivera, \w+, \w+ \d+, 0?9:30( AM)?, €60\.00$/ }).click();
    await page.getByRole('heading', { name: new RegExp(`^Appointment held: Dr\\. Rivera, .*0?9:30.*${LISBON}$`) }).waitFor();
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { name: new RegExp(`^Booked: Dr\\. Rivera, .*0?9:30.*${LISBON}$`) }).waitFor();
    await rivera.getByRole('button', { name: /^Dr\. Rivera, .*0?9:30( AM)?, €60\.00, taken$/ }).waitFor();

    await page.getByRole('link', { name: 'My bookings' }).first().click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Morning clinic' }) });
    await row.getByRole('cell', { name: 'confirmed' }).waitFor();
    await row.getByRole('cell', { name: 'Dr. Rivera 09:30' }).waitFor();
    await waitFor(async () => new RegExp(`0?9:30\\s?(AM)?\\s?–\\s?0?9:45\\s?(AM)? ${LISBON}`).test(await row.textContent()), 'the Lisbon time in My bookings');
    await ctx.close();
  });

  test("the coach leaves at 08:15 Lisbon time, whatever the browser's zone", async () => {
    const showId = await showIdByName(main.base, 'Lisbon → Porto');
    const { ctx, page } = await newPage(`${main.base}/`, { timezoneId: 'America/New_York' });
    assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'America/New_York');
    const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Lisbon → Porto' }) });
    await card.waitFor();
    assert.match(await card.textContent(), new RegExp(`bus · .*08:15( AM)? ${LISBON}`));
    assert.doesNotMatch(await card.textContent(), /03:15/); // what New York's clock says
    await card.getByRole('link', { name: 'Lisbon → Porto' }).click();
    await page.getByRole('heading', { name: 'Lisbon → Porto' }).waitFor();
    await page.getByText(new RegExp(`bus · .*08:15( AM)? ${LISBON}`)).waitFor();
    assert.equal(new URL(page.url()).pathname, `/shows/${showId}`);
    await ctx.close();
  });

  test('admin builds a layout with a standing area and appointment slots, and a show on it in Lisbon', async () => {
    const { ctx, page } = await newPage(`${main.base}/`, { timezoneId: 'America/New_York' });
    await loginViaUi(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Admin' }).click();
    const layoutName = `E2E mixed ${Date.now()}`;
    await page.getByLabel('Layout name').fill(layoutName);
    // Section 1 keeps its rows (10 + 12): an aisle after A5 and no seat B12.
    await page.getByLabel('Section 1 row 1 aisles after').fill('5');
    await page.getByLabel('Section 1 row 2 missing seats').fill('12');
    await page.getByRole('button', { name: 'Add section' }).click();
    const pit = page.getByRole('group', { name: 'Section 2' });
    await pit.getByLabel('Section name').fill('Pit');
    await pit.getByRole('radio', { name: 'Standing area' }).check();
    await pit.getByLabel('Standing places').fill('300');
    await page.getByRole('button', { name: 'Add section' }).click();
    const doctor = page.getByRole('group', { name: 'Section 3' });
    await doctor.getByLabel('Section name').fill('Dr. Lee');
    await doctor.getByLabel('Section category').fill('consultation');
    await doctor.getByRole('radio', { name: 'Appointment slots' }).check();
    await doctor.getByLabel('First slot at').fill('14:00');
    await doctor.getByLabel('Session ends at').fill('16:00');
    await doctor.getByLabel('Minutes per slot').fill('20');
    await doctor.getByText(/^6 slots of 20 minutes, the last 15:40–16:00\./).waitFor();
    await page.getByText('21 seats, 300 standing places, and 6 appointment slots in 3 sections').waitFor();
    await page.getByLabel('Layout preview').screenshot({ path: join(SHOTS, 'admin-layout-kinds.png') });
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByText(new RegExp(`Saved layout “${layoutName}” \\(#\\d+, 327 places\\)`)).waitFor();
    const layouts = (await apiCall(main.base, 'GET', '/admin/layouts?limit=200', undefined, await tokenFor(main.base, ADMIN.email, ADMIN.password))).body.items;
    const stored = layouts.find((l) => l.name === layoutName);
    assert.deepEqual(
      stored.sections.map((s) => [s.name, s.standing ?? null, s.slots ?? null, s.rows?.length ?? 0]),
      [
        ['Stalls', null, null, 2],
        ['Pit', 300, null, 0],
        ['Dr. Lee', null, { from: '14:00', to: '16:00', minutes: 20 }, 0],
      ],
    );
    assert.deepEqual(stored.sections[0].rows.map((r) => [r.gaps_after ?? [], r.missing ?? []]), [[[5], []], [[], [12]]]);

    // A show on it in Lisbon: the browser is in New York, the start is read in Lisbon.
    const showName = `E2E Lisbon ${Date.now()}`;
    await page.getByLabel('Show name').fill(showName);
    await page.getByLabel('Time zone').first().fill('Europe/Lisbon');
    await page.getByLabel('Starts at').first().fill('2031-01-15T14:00');
    await page.getByText(/At the venue: .*02:00 PM \(Lisbon, (GMT|WET)\)\. In your time zone: .*09:00 AM \(New York, EST\)\./).waitFor();
    await page.getByLabel('Price for standard').fill('20');
    await page.getByLabel('Price for consultation').fill('45');
    await page.getByRole('button', { name: 'Create show' }).click();
    await page.getByRole('link', { name: showName }).click();
    await page.getByRole('heading', { name: showName }).waitFor();
    const pitArea = page.getByRole('region', { name: 'Pit' });
    assert.equal(await placesLeftIn(pitArea), 300);
    await page.getByRole('region', { name: 'Dr. Lee' }).getByRole('button', { name: /^Dr\. Lee, .*, (0?2:00 PM|14:00), €45\.00$/ }).waitFor();
    assert.match((await seat(page, 'A6').getAttribute('aria-label')) ?? '', /^Seat A6, aisle, €20\.00, available$/);
    assert.equal(await seat(page, 'B12').count(), 0);
    const show = (await apiCall(main.base, 'GET', `/shows/${await showIdByName(main.base, showName)}`)).body;
    assert.equal(show.time_zone, 'Europe/Lisbon');
    assert.equal(show.starts_at.replace('+00:00', 'Z'), '2031-01-15T14:00:00Z');
    await ctx.close();
  });

  test('a bowl: the admin places two sections facing a stage; buyers see the stage and can click every seat; the cinema shows its screen', async () => {
    const { ctx, page } = await newPage(`${main.base}/`);
    await loginViaUi(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Admin' }).click();
    const layoutName = `E2E bowl ${Date.now()}`;
    await page.getByLabel('Layout name').fill(layoutName);
    await page.getByLabel('This layout has a stage').check();
    await page.getByLabel('Stage label').fill('Stage');
    // South: below the stage, facing it (rotation 0), two curved rows.
    const south = page.getByRole('group', { name: 'Section 1' });
    await south.getByLabel('Section name').fill('South');
    await page.getByLabel('Section 1 row 1 seats').fill('6');
    await page.getByLabel('Section 1 row 2 seats').fill('8');
    await page.getByLabel('Section 1 row 1 curve').fill('0.5');
    await page.getByLabel('Section 1 row 2 curve').fill('1');
    await south.getByLabel('Place and turn this section').check();
    await south.getByLabel('Front row middle y').fill('4');
    // North: above the stage, turned round to face it (rotation 180).
    await page.getByRole('button', { name: 'Add section' }).click();
    const north = page.getByRole('group', { name: 'Section 2' });
    await north.getByLabel('Section name').fill('North');
    await page.getByLabel('Section 2 row 1 seats').fill('6');
    await north.getByRole('button', { name: 'Add row' }).click();
    await page.getByLabel('Section 2 row 2 seats').fill('8');
    await north.getByLabel('Place and turn this section').check();
    await north.getByLabel('Front row middle y').fill('-4');
    await north.getByLabel('Rotation (degrees clockwise)').fill('180');
    await page.getByText('28 seats in 2 sections').waitFor();
    assert.equal(await page.getByTestId('preview-stage').textContent(), 'Stage');
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByText(new RegExp(`Saved layout “${layoutName}” \\(#\\d+, 28 seats\\)`)).waitFor();
    const layouts = (await apiCall(main.base, 'GET', '/admin/layouts?limit=200', undefined, await tokenFor(main.base, ADMIN.email, ADMIN.password))).body.items;
    const stored = layouts.find((l) => l.name === layoutName);
    assert.deepEqual(stored.stage, { x: 0, y: 0, label: 'Stage' });
    assert.deepEqual(
      stored.sections.map((s) => [s.name, s.position, s.rows.map((r) => r.curve ?? null)]),
      [
        ['South', { x: 0, y: 4, rotation: 0 }, [0.5, 1]],
        ['North', { x: 0, y: -4, rotation: 180 }, [null, null]],
      ],
    );

    const showName = `E2E Bowl ${Date.now()}`;
    await page.getByLabel('Show name').fill(showName);
    await page.getByLabel('Kind').selectOption('event');
    await page.getByLabel('Price for standard').fill('30');
    await page.getByRole('button', { name: 'Create show' }).click();
    await page.getByRole('link', { name: showName }).click();
    await page.getByRole('heading', { name: showName }).waitFor();
    await ctx.close();

    // A buyer's page: the stage, both sections' names, all 28 seats, each one the thing under its own middle.
    const showId = await showIdByName(main.base, showName);
    const buyer = await newPage(`${main.base}/shows/${showId}`);
    const bp = buyer.page;
    await waitFor(async () => (await bp.locator('button.seat').count()) === 28, '28 seat buttons');
    const stage = bp.getByTestId('stage');
    assert.equal(await stage.textContent(), 'Stage');
    await bp.getByText('South', { exact: true }).waitFor();
    await bp.getByText('North', { exact: true }).waitFor();
    const geometry = await bp.evaluate(() => {
      const map = document.querySelector('.seatmap').getBoundingClientRect();
      const bar = document.querySelector('[data-testid="stage"]').getBoundingClientRect();
      const seats = [...document.querySelectorAll('button.seat')];
      const rects = seats.map((s) => s.getBoundingClientRect());
      let overlaps = 0;
      for (let i = 0; i < rects.length; i++)
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i];
          const b = rects[j];
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 0 && h > 0 && w * h > 0.05 * a.width * a.height) overlaps++;
        }
      const inside = (r) => r.left >= map.left - 0.5 && r.top >= map.top - 0.5 && r.right <= map.right + 0.5 && r.bottom <= map.bottom + 0.5;
      const centreY = (label) => {
        const r = rects[seats.findIndex((s) => s.getAttribute('aria-label').startsWith(`Seat ${label},`))];
        return r.top + r.height / 2;
      };
      // South's front row A below the stage and its back row B further down; North's C above it, D further up.
      const order = [centreY('D1'), centreY('C1'), bar.top + bar.height / 2, centreY('A3'), centreY('B4')];
      const stageInside = inside(bar);
      const seatsInside = rects.every(inside);
      // Each seat is what a click on its middle reaches (no label, stage or other seat on top of it).
      const hit = seats.filter((s) => {
        s.scrollIntoView({ block: 'center', inline: 'center' });
        const r = s.getBoundingClientRect();
        return r.width > 0 && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest('button.seat') === s;
      }).length;
      return { hit, overlaps, stageInside, seatsInside, order };
    });
    assert.equal(geometry.hit, 28, 'every seat is the element under its own middle');
    assert.equal(geometry.overlaps, 0);
    assert.ok(geometry.stageInside && geometry.seatsInside, JSON.stringify(geometry));
    assert.deepEqual([...geometry.order].sort((a, b) => a - b), geometry.order, JSON.stringify(geometry.order));
    await bp.locator('.seatmap').screenshot({ path: join(SHOTS, 'bowl-stage.png') });
    // Clicks select seats in both sections. North is turned round, so seat 1 of row C is at its right end on
    // screen: the left arrow goes on to C2 (keys follow the screen along a row drawn across).
    await seat(bp, 'C1').click();
    await seat(bp, 'B4').click();
    assert.equal(await seat(bp, 'C1').getAttribute('aria-pressed'), 'true');
    assert.equal(await seat(bp, 'B4').getAttribute('aria-pressed'), 'true');
    await seat(bp, 'C1').press('ArrowLeft');
    await waitFor(async () => (await seat(bp, 'C2').evaluate((b) => b === document.activeElement)), 'focus on C2');
    await buyer.ctx.close();

    // The cinema names its screen: drawn above the first row, inside the map.
    const cinema = await newPage(`${main.base}/shows/${await showIdByName(main.base, 'Dune: Part Three')}`);
    const screenBar = cinema.page.getByTestId('stage');
    await screenBar.waitFor();
    assert.equal(await screenBar.textContent(), 'Screen');
    const screenBox = await screenBar.boundingBox();
    const a1 = await seat(cinema.page, 'A1').boundingBox();
    assert.ok(screenBox.y + screenBox.height <= a1.y, 'the screen is above row A');
    await cinema.ctx.close();
  });

  test('a club: the admin places a standing pit between the stage and the stalls; buyers see it drawn there and pick it on the map', async () => {
    const { ctx, page } = await newPage(`${main.base}/`);
    await loginViaUi(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Admin' }).click();
    const layoutName = `E2E club ${Date.now()}`;
    await page.getByLabel('Layout name').fill(layoutName);
    await page.getByLabel('This layout has a stage').check();
    await page.getByLabel('Stage label').fill('Stage');
    // The stalls (rows A and B, 10 and 12 seats) 9 rows below the stage, facing it.
    const stalls = page.getByRole('group', { name: 'Section 1' });
    await stalls.getByLabel('Place and turn this section').check();
    await stalls.getByLabel('Front row middle y').fill('9');
    // A standing pit of 40 places just in front of the stage, placed like any section.
    await page.getByRole('button', { name: 'Add section' }).click();
    const pit = page.getByRole('group', { name: 'Section 2' });
    await pit.getByLabel('Section name').fill('Pit');
    await pit.getByLabel('Section category').fill('pit');
    await pit.getByRole('radio', { name: 'Standing area' }).check();
    await pit.getByLabel('Standing places').fill('40');
    await pit.getByLabel('Place and turn this section').check();
    await pit.getByLabel('Front row middle y').fill('2');
    await page.getByText('22 seats and 40 standing places in 2 sections').waitFor();
    await page.getByText('Pit · 40 standing').waitFor();
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByText(new RegExp(`Saved layout “${layoutName}” \\(#\\d+, 62 places\\)`)).waitFor();
    const layouts = (await apiCall(main.base, 'GET', '/admin/layouts?limit=200', undefined, await tokenFor(main.base, ADMIN.email, ADMIN.password))).body.items;
    const stored = layouts.find((l) => l.name === layoutName);
    assert.deepEqual(
      stored.sections.map((s) => [s.name, s.standing ?? null, s.position]),
      [
        ['Stalls', null, { x: 0, y: 9, rotation: 0 }],
        ['Pit', 40, { x: 0, y: 2, rotation: 0 }],
      ],
    );

    const showName = `E2E Club ${Date.now()}`;
    await page.getByLabel('Show name').fill(showName);
    await page.getByLabel('Kind').selectOption('event');
    await page.getByLabel('Price for standard').fill('30');
    await page.getByLabel('Price for pit').fill('20');
    await page.getByRole('button', { name: 'Create show' }).click();
    await page.getByRole('link', { name: showName }).click();
    await page.getByRole('heading', { name: showName }).waitFor();
    await ctx.close();

    // A buyer's page: the pit drawn between the stage and row A, under the stage's middle; every seat still clickable.
    const showId = await showIdByName(main.base, showName);
    const buyer = await newPage(`${main.base}/shows/${showId}`);
    const bp = buyer.page;
    const onMap = areaOnMap(bp, 'Pit', '€20.00', 40);
    await onMap.waitFor();
    assert.equal(await onMap.textContent(), 'Pit · 40 places left');
    await waitFor(async () => (await bp.locator('button.seat').count()) === 22, '22 seat buttons');
    const geometry = await bp.evaluate(() => {
      const map = document.querySelector('.seatmap').getBoundingClientRect();
      const bar = document.querySelector('[data-testid="stage"]').getBoundingClientRect();
      const ground = document.querySelector('polygon.standing-shape').getBoundingClientRect();
      const label = document.querySelector('button.standing-label').getBoundingClientRect();
      const seats = [...document.querySelectorAll('button.seat')];
      const rowA = seats.filter((s) => /^Seat A\d+,/.test(s.getAttribute('aria-label'))).map((s) => s.getBoundingClientRect());
      const inside = (r) => r.left >= map.left - 0.5 && r.top >= map.top - 0.5 && r.right <= map.right + 0.5 && r.bottom <= map.bottom + 0.5;
      const within = (r, o) => r.left >= o.left - 0.5 && r.top >= o.top - 0.5 && r.right <= o.right + 0.5 && r.bottom <= o.bottom + 0.5;
      const stageMiddle = bar.left + bar.width / 2;
      const measured = {
        order: [bar.bottom, ground.top, ground.bottom, Math.min(...rowA.map((r) => r.top))],
        underStage: ground.left < stageMiddle && stageMiddle < ground.right,
        inside: inside(ground) && inside(bar),
        labelOnGround: within(label, ground),
      };
      // What a click on the middle of each reaches (each scrolled into view first): the pit's label, every seat.
      const under = (el, selector) => {
        el.scrollIntoView({ block: 'center', inline: 'center' });
        const r = el.getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest(selector) === el;
      };
      const labelHit = under(document.querySelector('button.standing-label'), 'button.standing-label');
      const hit = seats.filter((s) => under(s, 'button.seat')).length;
      return { ...measured, labelHit, hit };
    });
    assert.deepEqual([...geometry.order].sort((a, b) => a - b), geometry.order, JSON.stringify(geometry));
    assert.ok(geometry.underStage && geometry.inside && geometry.labelOnGround && geometry.labelHit, JSON.stringify(geometry));
    assert.equal(geometry.hit, 22, 'every seat is the element under its own middle');
    await bp.locator('.seatmap').screenshot({ path: join(SHOTS, 'club-pit.png') });
    // Picked on the map, by keyboard: the pit's picker has the focus.
    await onMap.focus();
    await bp.keyboard.press('Enter');
    await waitFor(async () => (await focusedPicker(bp)) === 'Pit', 'the pit’s picker focused');
    assert.equal(await placesLeftIn(bp.getByRole('region', { name: 'Pit' })), 40);
    await buyer.ctx.close();
  });

  // The buyer's journeys, one persona each, on a desktop and on a phone (journeys.mjs).
  journeys({
    main: () => main,
    chrome: () => chrome,
    newPage,
    registerViaUi,
    createShow,
    apiBuyer,
    tokenFor,
    waitFor,
    seat,
    uniqueEmail,
    SHOTS,
    ADMIN,
  });

  test('no page ran into the Content-Security-Policy', () => {
    assert.deepEqual(policyViolations, []);
  });
});
