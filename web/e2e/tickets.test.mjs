// Tickets and door check-in, end to end: a real Tessera server (web/dist served by it) and Debian's
// Chromium through playwright-core, on a desktop and on a 390 × 844 phone. A buyer books a seat and
// sees the reference and the ticket's QR code; staff check the ticket in twice and try a code of
// another show; the report counts one checked in.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import QRCode from 'qrcode';
import { apiCall, createShowLike, launchBrowser, startTessera, WEB_DIR } from './harness.mjs';

// The README's screenshots are rewritten only on request, so a plain test run leaves the tree clean.
const SHOTS = join(WEB_DIR, process.env.UPDATE_SCREENSHOTS ? 'screenshots' : 'test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });
const T = 20_000; // per-expectation timeout (ms)

const DESKTOP = { name: 'desktop', options: { viewport: { width: 1280, height: 900 } } };
const PHONE = { name: 'phone', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } };
const ADMIN = { email: 'admin@tessera.local', password: 'tessera-admin' };
// What src/qr.ts draws with (QR_OPTIONS): the page's QR code must be this drawing of the ticket's code.
const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000ff', light: '#ffffffff' }, type: 'svg' };

let server;
let chrome;
const policyViolations = [];

const uniqueEmail = (p) => `${p}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
const seat = (page, label) => page.getByRole('button', { name: new RegExp(`^Seat ${label},`) });
/** A tap on a phone, a click on a desktop. */
const press = (device, locator) => (device === PHONE ? locator.tap() : locator.click());

async function waitFor(fn, what, timeout = T) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tokenFor(email, password) {
  const r = await apiCall(server.base, 'POST', '/auth/login', { email, password });
  assert.equal(r.status, 200);
  return r.body.access_token;
}

/** A fresh show like a seeded one: this test's check-ins touch nothing else. */
async function createShow(name, like = 'Dune: Part Three') {
  return createShowLike(server.base, await tokenFor(ADMIN.email, ADMIN.password), name, like);
}

/** A confirmed booking of `label` made through the API by a new buyer: its ticket's code. */
async function ticketCodeVia(showId, label) {
  const email = uniqueEmail('other');
  await apiCall(server.base, 'POST', '/auth/register', { email, password: 'correct-horse-1' });
  const token = await tokenFor(email, 'correct-horse-1');
  const id = (await apiCall(server.base, 'GET', `/shows/${showId}/seats`)).body.seats.find((s) => s.label === label).id;
  const held = await apiCall(server.base, 'POST', '/bookings', { show_id: showId, seat_ids: [id] }, token);
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const confirmed = await apiCall(server.base, 'POST', `/bookings/${held.body.id}/confirm`, undefined, token);
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return confirmed.body.tickets[0].code;
}

/**
 * A page in a fresh context. The check-in page's camera is stood in for: `getUserMedia` gives a
 * canvas's stream and `BarcodeDetector` "reads" whatever `window.__qrInView` holds, so the camera
 * path (button, <video>, detection loop, submission) runs in headless Chromium, which has neither.
 */
async function newPage(url, device) {
  const ctx = await chrome.browser.newContext(device.options);
  await ctx.addInitScript(() => {
    window.__qrInView = null;
    window.BarcodeDetector = class {
      static async getSupportedFormats() {
        return ['qr_code'];
      }
      async detect() {
        return window.__qrInView ? [{ rawValue: window.__qrInView }] : [];
      }
    };
    const media = navigator.mediaDevices ?? {};
    media.getUserMedia = async () => {
      const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 48 });
      const g = canvas.getContext('2d');
      let n = 0;
      setInterval(() => {
        g.fillStyle = n++ % 2 ? '#333' : '#555';
        g.fillRect(0, 0, 64, 48);
      }, 50);
      return canvas.captureStream(20);
    };
    if (!navigator.mediaDevices) Object.defineProperty(navigator, 'mediaDevices', { value: media });
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(T);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) policyViolations.push(m.text());
  });
  await page.goto(url);
  return { ctx, page };
}

/** Whether the page is wider than its viewport (a phone layout must not be). */
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The SVG document in an <img>'s data: URL. */
const svgOfImage = async (img) => decodeURIComponent((await img.getAttribute('src')).replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));

before(async () => {
  const started = await Promise.allSettled([startTessera({ holdTtl: 300 }), launchBrowser()]);
  [server, chrome] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
});

after(async () => {
  await Promise.allSettled([chrome?.close()]);
  await Promise.allSettled([server?.stop()]);
});

describe('tickets and door check-in', () => {
  for (const device of [DESKTOP, PHONE]) {
    test(`staff checking a ticket in twice (${device.name})`, async () => {
      const name = `E2E Tickets ${device.name} ${Date.now()}`;
      const showId = await createShow(name);
      const otherShowId = await createShow(`E2E Other ${device.name} ${Date.now()}`);
      const otherCode = await ticketCodeVia(otherShowId, 'B2');

      // ---- The buyer registers, holds A4, confirms, opens the booking: reference and QR code.
      const buyer = await newPage(`${server.base}/login?next=${encodeURIComponent(`/shows/${showId}`)}`, device);
      const page = buyer.page;
      await press(device, page.getByRole('button', { name: 'Create an account' }));
      await page.getByLabel('E-mail').fill(uniqueEmail(`tickets-${device.name}`));
      await page.getByLabel('Password').fill('correct-horse-1');
      await press(device, page.getByRole('button', { name: 'Register' }));
      await page.getByRole('heading', { level: 1, name }).waitFor();
      await press(device, seat(page, 'A4'));
      await press(device, page.getByRole('button', { name: 'Hold 1 seat' }));
      await page.getByRole('heading', { name: /held: A4$/ }).waitFor();
      await press(device, page.getByRole('button', { name: 'Confirm booking' }));
      await page.getByRole('heading', { name: 'Booked: A4' }).waitFor();

      const token = await page.evaluate(() => localStorage.getItem('tessera.token'));
      const mine = (await apiCall(server.base, 'GET', '/bookings?limit=1', undefined, token)).body.items[0];
      assert.equal(mine.status, 'CONFIRMED');
      assert.match(mine.reference, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      assert.equal(mine.tickets.length, 1);
      const ticket = mine.tickets[0];
      assert.equal(ticket.seat, 'A4');

      await press(device, page.getByRole('link', { name: 'this booking' }));
      await page.getByRole('heading', { level: 1, name: `Booking ${mine.reference}` }).waitFor();
      const tickets = page.getByRole('region', { name: 'Tickets' });
      const qr = tickets.getByRole('img', { name: 'QR code of the ticket for Seat A4' });
      await qr.waitFor();
      // The image is the QR code of exactly the API's ticket code, drawn (and not broken: it has a size).
      assert.equal(await svgOfImage(qr), (await QRCode.toString(ticket.code, QR_OPTIONS)).trim());
      const box = await qr.boundingBox();
      assert.ok(box.width >= 150 && box.height >= 150, `the QR code is ${box.width} × ${box.height} px`);
      assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image loaded');
      assert.equal(await tickets.locator('code.ticket-code').textContent(), ticket.code);
      assert.ok((await overflow(page)) <= 0, 'the booking page fits the screen');
      await tickets.locator('.ticket').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, device === DESKTOP ? 'tickets.png' : 'tickets-phone.png'), scale: 'css' });

      // My bookings has the ticket too, behind "Show ticket".
      await page.goto(`${server.base}/bookings`);
      await press(device, page.getByText('Show ticket', { exact: true }));
      await page.getByRole('img', { name: 'QR code of the ticket for Seat A4' }).waitFor();
      await page.getByText(ticket.code, { exact: true }).waitFor();

      // ---- Staff: the admin page links to check-in; the show is picked; the code typed twice.
      const staff = await newPage(`${server.base}/login?next=/admin`, device);
      const door = staff.page;
      await door.getByLabel('E-mail').fill(ADMIN.email);
      await door.getByLabel('Password').fill(ADMIN.password);
      await press(device, door.getByRole('button', { name: 'Sign in', exact: true }));
      await door.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
      await press(device, door.getByRole('link', { name: 'Door check-in' }).first());
      await door.getByRole('heading', { level: 1, name: 'Door check-in' }).waitFor();
      assert.equal(new URL(door.url()).pathname, '/admin/check-in');
      await door.getByLabel('Show').selectOption(String(showId));
      assert.equal(new URL(door.url()).searchParams.get('show'), String(showId));

      const field = door.getByRole('textbox', { name: 'Ticket code' });
      const result = door.getByTestId('checkin-result');
      assert.equal(await result.getAttribute('aria-live'), 'assertive');
      await field.fill(ticket.code);
      await field.press('Enter');
      await result.getByText('Admitted').waitFor();
      const admitted = await result.textContent();
      assert.match(admitted, /A4/);
      assert.match(admitted, new RegExp(`standard · booking ${mine.reference} · at `));
      assert.match(await result.locator('.checkin-card').getAttribute('class'), /checkin-admitted/);
      const at = /at (\d{1,2}:\d{2}:\d{2}(?: [AP]M)?) \(([^)]+)\)/.exec(admitted);
      assert.ok(at, `the admission time in ${admitted}`);
      // Ready for the next ticket: the field is empty and still has the focus (keyboard only).
      assert.equal(await field.inputValue(), '');
      assert.ok(await field.evaluate((el) => el === document.activeElement), 'the code field keeps the focus');

      // The same ticket again: refused, with the time of the first check-in at the venue.
      await field.fill(ticket.code.toLowerCase());
      await field.press('Enter');
      await result.getByText(`Already checked in at ${at[1]} (${at[2]})`).waitFor();
      assert.match(await result.locator('.checkin-card').getAttribute('class'), /checkin-already/);
      assert.ok((await overflow(door)) <= 0, 'the check-in page fits the screen');
      await door.screenshot({ path: join(SHOTS, device === DESKTOP ? 'check-in.png' : 'check-in-phone.png'), scale: 'css' });

      // A ticket of another show.
      await field.fill(otherCode);
      await field.press('Enter');
      await result.getByText('Not a ticket for this show').waitFor();
      await result.getByText(/This code is for “E2E Other/).waitFor();

      // The camera (stood in for, see newPage): the admitted ticket shown to it reads "already checked in".
      await press(device, door.getByRole('button', { name: 'Scan with camera' }));
      await door.getByRole('button', { name: 'Stop camera' }).waitFor();
      await door.getByLabel('Camera picture').waitFor();
      await door.evaluate((code) => (window.__qrInView = code), ticket.code);
      await result.getByText(`Already checked in at ${at[1]} (${at[2]})`).waitFor();
      await door.evaluate(() => (window.__qrInView = null));
      await press(device, door.getByRole('button', { name: 'Stop camera' }));

      // The log: newest first, four scans.
      const log = door.getByRole('region', { name: 'Last scans' }).getByRole('listitem');
      await waitFor(async () => (await log.count()) === 4, 'four scans in the log');
      const lines = await log.allTextContents();
      assert.match(lines[0], /Already checked in/);
      assert.match(lines[1], /Not a ticket for this show/);
      assert.match(lines[2], /Already checked in/);
      assert.match(lines[3], new RegExp(`Admitted: A4 \\(${mine.reference}\\)`));

      // ---- The report counts one checked in (the service agrees).
      const report = (await apiCall(server.base, 'GET', `/admin/shows/${showId}/report`, undefined, await tokenFor(ADMIN.email, ADMIN.password))).body;
      assert.equal(report.checked_in, 1);
      await door.goto(`${server.base}/admin`);
      // By keyboard: on a phone the admin's table of shows is wider than the screen.
      const manage = door.getByRole('button', { name: new RegExp(`^Manage ${name},`) });
      await manage.focus();
      await door.keyboard.press('Enter');
      const panel = door.getByRole('region', { name: 'Sales report' });
      const figure = (term) => panel.locator(`dt:text-is("${term}") + dd`).textContent();
      await waitFor(async () => (await figure('Checked in').catch(() => '')) === '1 of 1 booked', 'the report to count 1 checked in');

      await Promise.all([buyer.ctx.close(), staff.ctx.close()]);
    });
  }

  test('no page ran into the Content-Security-Policy', () => {
    assert.deepEqual(policyViolations, []);
  });
});
