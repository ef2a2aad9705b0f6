// The buyer's journeys, one browser test per persona and device (a desktop and a 390 × 844 phone):
// the cinema-goer who picks seats before signing up, the coach traveller after a window seat, the
// patient booking a named time with a named doctor, the arena buyer using the overview and best
// available (with a performance trace of zooming and panning 18,000 seats), and a generated layout of
// 50,000 seats. Also: what the buyer sees when a show or booking does not exist or the service fails.
import assert from 'node:assert/strict';
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { apiCall, showIdByName } from './harness.mjs';

export const DESKTOP = { name: 'desktop', options: { viewport: { width: 1280, height: 900 } } };
export const PHONE = {
  name: 'phone',
  options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

/** Two animation frames: whatever a step changed has been rendered. */
const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** A tap on a phone, a click on a desktop. */
const press = (device, locator) => (device === PHONE ? locator.tap() : locator.click());

/** Layout facts of the page: horizontal overflow, and the seats' sizes and extent in the viewport. */
function seatBoxes(page) {
  return page.evaluate(() => {
    const rects = [...document.querySelectorAll('button.seat')].map((s) => s.getBoundingClientRect());
    return {
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      count: rects.length,
      minWidth: Math.min(...rects.map((r) => r.width)),
      minHeight: Math.min(...rects.map((r) => r.height)),
      left: Math.min(...rects.map((r) => r.left)),
      right: Math.max(...rects.map((r) => r.right)),
      innerWidth: window.innerWidth,
    };
  });
}

/** The zoom in percent, as the map's toolbar says it. */
async function zoomPercent(page) {
  return Number((await page.locator('.zoom output').textContent()).replace('%', ''));
}

/**
 * Runs `steps` under a Chromium performance trace (CDP Tracing) and returns the renderer main
 * thread's tasks between the steps' start and end (wall time `ms`, the thread's own CPU time `cpuMs`).
 */
async function traceTasks(browser, page, steps) {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'] });
  await page.evaluate(() => console.timeStamp('tessera-steps-start'));
  await steps();
  await page.evaluate(() => console.timeStamp('tessera-steps-end'));
  const trace = JSON.parse((await browser.stopTracing()).toString());
  const events = trace.traceEvents ?? trace;
  const mark = (name) => events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === name);
  const [start, end] = [mark('tessera-steps-start'), mark('tessera-steps-end')];
  assert.ok(start && end, 'the trace has the steps’ marks');
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && e.pid === start.pid && e.tid === start.tid && e.ts >= start.ts && e.ts <= end.ts);
  // A frame the main thread produced: its paint committed to the compositor.
  const frameCount = events.filter((e) => e.name === 'Commit' && e.ph === 'X' && e.pid === start.pid && e.tid === start.tid && e.ts >= start.ts && e.ts <= end.ts).length;
  // What the task with the most CPU time did (its longest inner events), for the log.
  const top = tasks.reduce((a, b) => ((b.tdur ?? b.dur) > (a?.tdur ?? a?.dur ?? -1) ? b : a), null);
  const inside = top
    ? events
        .filter((e) => e.ph === 'X' && e.pid === top.pid && e.tid === top.tid && e !== top && e.ts >= top.ts && e.ts + e.dur <= top.ts + top.dur && e.dur >= 2000)
        .filter((e) => /^(FunctionCall|EventDispatch|UpdateLayoutTree|Layout|PrePaint|Paint|Layerize|Commit|HitTest|MinorGC|MajorGC|FireAnimationFrame)$/.test(e.name))
        .map((e) => `${e.name}${e.args?.data?.type ? `(${e.args.data.type})` : ''} ${(e.dur / 1000).toFixed(0)}`)
        .join(', ')
    : '';
  return { tasks: tasks.map((e) => ({ ms: e.dur / 1000, cpuMs: (e.tdur ?? e.dur) / 1000 })), frames: frameCount, spanMs: (end.ts - start.ts) / 1000, inside };
}

export function journeys(env) {
  const { newPage, registerViaUi, createShow, apiBuyer, tokenFor, waitFor, seat, uniqueEmail, SHOTS, ADMIN } = env;
  const base = () => env.main().base;

  // ---- 1. Errors -------------------------------------------------------------------------------------

  test('errors: an unknown show or booking says so with a way back; a failing service says so and offers Try again', async () => {
    const { ctx, page } = await newPage(`${base()}/shows/999999`);
    await page.getByRole('heading', { level: 1, name: 'Show not found' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Loading…' }).count(), 0);
    await page.getByRole('link', { name: 'Back to the list of shows' }).click();
    await page.getByRole('heading', { level: 1, name: 'Shows' }).waitFor();

    // The service answers 500, then the network fails: said, with "Try again"; then it works again.
    const showId = await showIdByName(base(), 'The Little Prince');
    let mode = '500';
    await page.route('**/api/v1/shows/*', (route) =>
      mode === '500'
        ? route.fulfill({ status: 500, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'internal', detail: 'The service failed; try again.' }) })
        : mode === 'down'
          ? route.abort('failed')
          : route.fallback(),
    );
    await page.goto(`${base()}/shows/${showId}`);
    await page.getByRole('heading', { level: 1, name: 'This show could not be loaded' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'The service failed; try again.' }).waitFor();
    mode = 'down';
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('alert').filter({ hasText: 'Could not reach the server' }).waitFor();
    mode = 'ok';
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { level: 1, name: 'The Little Prince' }).waitFor();
    await seat(page, 'A1').waitFor();

    // An unknown booking (signed in): "Booking not found", back to My bookings.
    await registerViaUi(page, uniqueEmail('lost'));
    await page.goto(`${base()}/bookings/00000000-0000-4000-8000-000000000000`);
    await page.getByRole('heading', { level: 1, name: 'Booking not found' }).waitFor();
    await page.getByRole('link', { name: 'Back to My bookings' }).click();
    await page.getByRole('heading', { level: 1, name: 'My bookings' }).waitFor();
    await ctx.close();
  });

  for (const device of [DESKTOP, PHONE]) {
    // ---- 2, 8. The cinema-goer: picks seats signed out, registers, comes back to them ----------------

    test(`cinema-goer (${device.name}): picks seats signed out, registers, finds them still selected (one taken meanwhile), holds and confirms`, async () => {
      const name = `E2E Cinema ${device.name} ${Date.now()}`;
      const showId = await createShow(base(), name, 'Dune: Part Three');
      const { ctx, page } = await newPage(`${base()}/shows/${showId}`, device.options);
      await seat(page, 'A7').waitFor();
      if (device === PHONE) {
        // Fit to the width: every seat of the 15-seat rows on screen, each at least 24 px, nothing wider than the phone.
        const b = await seatBoxes(page);
        assert.equal(b.count, 150);
        assert.ok(b.overflow <= 0, `the page is ${b.overflow} px wider than the phone`);
        assert.ok(b.minWidth >= 24 && b.minHeight >= 24, `seats are ${b.minWidth.toFixed(1)} × ${b.minHeight.toFixed(1)} px`);
        assert.ok(b.left >= 0 && b.right <= b.innerWidth, `seats span ${b.left.toFixed(0)}–${b.right.toFixed(0)} px of ${b.innerWidth}`);
        await page.locator('.seatmap-frame').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, 'phone-cinema.png'), scale: 'css' });
      }
      for (const l of ['A7', 'A8', 'A9']) await press(device, seat(page, l));
      for (const l of ['A7', 'A8', 'A9']) assert.equal(await seat(page, l).getAttribute('aria-pressed'), 'true');
      await page.getByText('Selected: A7, A8, A9 — total €36.00').waitFor();

      // To sign in (the link says where to come back to); meanwhile someone else holds A9.
      await press(device, page.locator('.selection-bar').getByRole('link', { name: 'Sign in to hold seats' }));
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('next'), `/shows/${showId}`);
      const other = await apiBuyer(base(), 'quick');
      const a9 = (await apiCall(base(), 'GET', `/shows/${showId}/seats`)).body.seats.find((s) => s.label === 'A9').id;
      assert.equal((await apiCall(base(), 'POST', '/bookings', { show_id: showId, seat_ids: [a9] }, other.token)).status, 201);
      await press(device, page.getByRole('button', { name: 'Create an account' }));
      await page.getByLabel('E-mail').fill(uniqueEmail(`cinema-${device.name}`));
      await page.getByLabel('Password').fill('correct-horse-1');
      await press(device, page.getByRole('button', { name: 'Register' }));

      // Back on the show: A7 and A8 still selected, A9 not, and the page says so.
      await page.getByRole('heading', { level: 1, name }).waitFor();
      assert.equal(new URL(page.url()).pathname, `/shows/${showId}`);
      await page.getByText('Seat A9 was taken while you were signing in. Seats A7 and A8 are still selected for you.').waitFor();
      assert.equal(await seat(page, 'A7').getAttribute('aria-pressed'), 'true');
      assert.equal(await seat(page, 'A8').getAttribute('aria-pressed'), 'true');
      assert.equal(await seat(page, 'A9').getAttribute('aria-pressed'), 'false');
      assert.match(await seat(page, 'A9').getAttribute('aria-label'), /held$/);

      if (device === PHONE) {
        // Two fingers spread on the map zoom it in.
        const before = await zoomPercent(page);
        await page.locator('.seatmap-scroll').scrollIntoViewIfNeeded();
        const box = await page.locator('.seatmap-scroll').boundingBox();
        const [cx, cy] = [box.x + box.width / 2, box.y + Math.min(box.height / 2, 150)];
        const cdp = await ctx.newCDPSession(page);
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: cx - 30, y: cy, id: 1 }, { x: cx + 30, y: cy, id: 2 }] });
        for (let i = 1; i <= 8; i++)
          await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: cx - 30 - i * 10, y: cy, id: 1 }, { x: cx + 30 + i * 10, y: cy, id: 2 }] });
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await waitFor(async () => (await zoomPercent(page)) > before * 1.5, `a pinch to zoom in from ${before}%`);
        assert.ok((await seatBoxes(page)).overflow <= 0, 'zooming the map does not widen the page');
        await press(device, page.getByRole('button', { name: 'Zoom out' }));
      }

      await press(device, page.getByRole('button', { name: 'Hold 2 seats' }));
      await page.getByRole('heading', { name: 'Seats held: A7, A8' }).waitFor();
      await page.getByText(/Total €24\.00/).waitFor();
      await press(device, page.getByRole('button', { name: 'Confirm booking' }));
      await page.getByRole('heading', { name: 'Booked: A7, A8' }).waitFor();
      const token = await page.evaluate(() => localStorage.getItem('tessera.token'));
      const mine = (await apiCall(base(), 'GET', '/bookings?limit=1', undefined, token)).body.items[0];
      assert.deepEqual(mine.seats, ['A7', 'A8']);
      if (mine.reference) await page.getByText(`Booking reference ${mine.reference}.`).waitFor();
      // Nothing is kept for later any more.
      assert.equal(await page.evaluate(() => sessionStorage.getItem('tessera.pending')), null);
      await ctx.close();
    });

    // ---- 6. The coach traveller: a window seat by its accessible name -------------------------------

    test(`coach traveller (${device.name}): picks a window seat by its name on a coach drawn with its front and aisle`, async () => {
      const name = `E2E Coach ${device.name} ${Date.now()}`;
      const showId = await createShow(base(), name, 'Lisbon → Porto');
      const { ctx, page } = await newPage(`${base()}/`, device.options);
      await registerViaUi(page, uniqueEmail(`coach-${device.name}`));
      await page.goto(`${base()}/shows/${showId}`);
      // The coach: its front, its aisle, its body; seats named for what a traveller asks for.
      assert.equal(await page.getByTestId('stage').textContent(), 'Front of coach');
      assert.equal(await page.locator('.aisle-named').first().textContent(), 'Aisle');
      // The body is drawn once the show's kind has arrived, which may be after the seat map.
      await page.locator('.coach-body').waitFor();
      assert.equal(await page.locator('.coach-body').count(), 1);
      const window = page.getByRole('button', { name: /^Seat C1, window, €23\.50, available$/ });
      await window.waitFor();
      assert.match(await page.getByRole('button', { name: /^Seat C2,/ }).getAttribute('aria-label'), /^Seat C2, aisle, €23\.50, available$/);
      assert.match(await page.getByRole('button', { name: /^Seat A1,/ }).getAttribute('aria-label'), /^Seat A1, window, wheelchair space, €23\.50, available$/);
      // The front is drawn above the first row, the aisle between seats 2 and 3.
      const [front, a2, a3, aisle] = await Promise.all([page.getByTestId('stage').boundingBox(), seat(page, 'A2').boundingBox(), seat(page, 'A3').boundingBox(), page.locator('.aisle').first().boundingBox()]);
      assert.ok(front.y + front.height <= a2.y, 'the front of the coach is ahead of row A');
      assert.ok(aisle.x >= a2.x + a2.width - 1 && aisle.x + aisle.width <= a3.x + 1, 'the aisle runs between seats 2 and 3');
      if (device === PHONE) {
        const b = await seatBoxes(page);
        assert.ok(b.overflow <= 0 && b.minWidth >= 24, JSON.stringify(b));
      }
      await press(device, window);
      assert.equal(await window.getAttribute('aria-pressed'), 'true');
      if (device === DESKTOP) await page.locator('.seatmap-frame').screenshot({ path: join(SHOTS, 'coach.png') });
      await press(device, page.getByRole('button', { name: 'Hold 1 seat' }));
      await page.getByRole('heading', { name: 'Seats held: C1' }).waitFor();
      await press(device, page.getByRole('button', { name: 'Confirm booking' }));
      await page.getByRole('heading', { name: 'Booked: C1' }).waitFor();
      await page.getByRole('button', { name: /^Seat C1, window, €23\.50, booked$/ }).waitFor();
      await ctx.close();
    });

    // ---- 6. The patient: a named time with a named doctor, one tap ----------------------------------

    test(`patient (${device.name}): books 10:15 with Dr. Okafor in one tap, never reading "seat"`, async () => {
      const name = `E2E Clinic ${device.name} ${Date.now()}`;
      const showId = await createShow(base(), name, 'Morning clinic');
      const { ctx, page } = await newPage(`${base()}/`, device.options);
      await registerViaUi(page, uniqueEmail(`patient-${device.name}`));
      await page.goto(`${base()}/shows/${showId}`);
      const okafor = page.getByRole('region', { name: 'Dr. Okafor' });
      await okafor.waitFor();
      await page.getByText('Tap a free time to hold it.').waitFor();
      assert.equal(await page.getByText(/\bseats?\b/i).count(), 0);
      if (device === DESKTOP) await page.screenshot({ path: join(SHOTS, 'clinic.png') });
      if (device === PHONE) assert.ok((await seatBoxes(page)).overflow <= 0, 'the clinic fits the phone');
      const time = okafor.getByRole('button', { name: /^Dr\. Okafor, \w+, \w+ \d+, 10:15( AM)?, €35\.00$/ });
      await press(device, time);
      await page.getByRole('heading', { name: /^Appointment held: Dr\. Okafor, .*10:15.*\(Lisbon, [^)]+\)$/ }).waitFor();
      await press(device, page.getByRole('button', { name: 'Confirm booking' }));
      await page.getByRole('heading', { name: /^Booked: Dr\. Okafor, .*10:15/ }).waitFor();
      await okafor.getByRole('button', { name: /^Dr\. Okafor, .*10:15( AM)?, €35\.00, taken$/ }).waitFor();
      assert.equal(await page.getByText(/\bseats?\b/i).count(), 0);
      await ctx.close();
    });

    // ---- 5, 7. The arena buyer: the overview, a section, best available -----------------------------

    test(`arena buyer (${device.name}): the overview of 18,000 seats, a section by keyboard or tap, best available`, async () => {
      const name = `E2E Arena ${device.name} ${Date.now()}`;
      const showId = await createShow(base(), name, 'Championship Final');
      const { ctx, page } = await newPage(`${base()}/`, device.options);
      await registerViaUi(page, uniqueEmail(`arena-${device.name}`));
      const t0 = Date.now();
      await page.goto(`${base()}/shows/${showId}`);
      // Sections first: shapes with their price and seats left; no seat is rendered yet.
      const lower = page.getByRole('button', { name: 'Lower bowl, €85.00, 9000 of 9000 seats left. Show its seats' });
      const upper = page.getByRole('button', { name: 'Upper bowl, €45.00, 9000 of 9000 seats left. Show its seats' });
      await lower.waitFor();
      const opened = Date.now() - t0;
      assert.equal(await page.locator('button.seat').count(), 0);
      assert.equal(await page.locator('.section-shape').count(), 2);
      // The standing floor in front of the bowls is a tile too, with its places left.
      await page.getByRole('button', { name: 'Floor, standing, €150.00 per place, 2,000 places left' }).waitFor();
      // The overview fits the screen, the floor with it.
      const [vp, lb, ub, fb] = await Promise.all([
        page.locator('.seatmap-scroll').boundingBox(),
        page.locator('.section-shape').nth(0).boundingBox(),
        page.locator('.section-shape').nth(1).boundingBox(),
        page.locator('polygon.standing-shape').boundingBox(),
      ]);
      for (const b of [lb, ub, fb]) assert.ok(b.x >= vp.x - 1 && b.x + b.width <= vp.x + vp.width + 1 && b.y >= vp.y - 1 && b.y + b.height <= vp.y + vp.height + 1, 'each section and the floor are inside the map’s view');
      assert.ok(fb.y + fb.height <= lb.y + 1, 'the floor is in front of the lower bowl');
      assert.ok((await seatBoxes(page)).overflow <= 0, 'nothing wider than the screen');
      if (device === DESKTOP) {
        await page.locator('.seatmap-frame').screenshot({ path: join(SHOTS, 'arena-overview.png') });
        // Keyboard: focus the section, Enter zooms into it and focus lands on a seat of its front row.
        await lower.focus();
        await page.keyboard.press('Enter');
        await waitFor(async () => /^Seat L1-\d+, lower, €85\.00, available$/.test(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')), 'focus on a front-row seat');
      } else {
        await upper.tap();
        await page.locator('button.seat').first().waitFor();
      }
      const zoomed = Date.now() - t0 - opened;
      const mounted = await page.locator('button.seat').count();
      console.log(`# arena (${device.name}): overview ${opened} ms after navigation; seats of a section ${zoomed} ms later (${mounted} of 18,000 rendered)`);
      assert.ok(mounted > 0 && mounted < 8000, `${mounted} seats rendered`);
      if (device === PHONE) {
        const b = await seatBoxes(page);
        assert.ok(b.minWidth >= 24, `zoomed into a section, seats are ${b.minWidth.toFixed(1)} px`);
        assert.ok(b.overflow <= 0);
      }

      // Row labels and the section's name stay in view while panning.
      await page.locator('.seatmap-scroll').evaluate((el) => el.scrollBy(0, 400));
      await waitFor(async () => (await page.locator('.section-chip').textContent().catch(() => '')) === (device === DESKTOP ? 'Lower bowl' : 'Upper bowl'), 'the section named in the corner');
      const labels = await page.evaluate(() => {
        const g = document.querySelector('.row-gutter').getBoundingClientRect();
        return [...document.querySelectorAll('.row-gutter .row-label')].filter((l) => {
          const r = l.getBoundingClientRect();
          return r.top >= g.top && r.bottom <= g.bottom && r.width > 0;
        }).map((l) => l.textContent);
      });
      assert.ok(labels.length >= 5 && labels.every((l) => /^[LU]\d+$/.test(l)), `row labels in view: ${labels.join(' ')}`);

      if (device === DESKTOP) {
        // Zoom and pan under a performance trace: no main-thread task (frame) may take 100 ms or more.
        const box = await page.locator('.seatmap-scroll').boundingBox();
        const zoomIn = await page.locator('button[aria-label="Zoom in"]').boundingBox();
        const zoomOut = await page.locator('button[aria-label="Zoom out"]').boundingBox();
        const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
        const { tasks, frames: frameCount, spanMs, inside } = await traceTasks(env.chrome().browser, page, async () => {
          for (const b of [zoomOut, zoomOut, zoomIn, zoomIn, zoomIn, zoomOut]) {
            await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
            await frames(page);
          }
          await page.mouse.move(cx, cy);
          await page.keyboard.down('Control');
          for (const dy of [-120, -120, -120, 120, 120, 120, -120, 120]) {
            await page.mouse.wheel(0, dy);
            await frames(page);
          }
          await page.keyboard.up('Control');
          for (const [dx, dy] of [[0, 300], [0, 300], [400, 0], [400, 0], [0, -300], [-400, 200], [300, 300], [-300, -300]]) {
            await page.mouse.wheel(dx, dy);
            await frames(page);
          }
          await page.mouse.move(cx, cy);
          await page.mouse.down();
          for (let i = 1; i <= 10; i++) {
            await page.mouse.move(cx - i * 40, cy - i * 20);
            await frames(page);
          }
          await page.mouse.up();
          await frames(page);
        });
        const longest = tasks.reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, cpuMs: 0 });
        const longestCpu = Math.max(...tasks.map((t) => t.cpuMs));
        const over50 = tasks.filter((t) => t.ms >= 50).length;
        const load = loadavg()[0] / cpus().length;
        console.log(
          `# arena trace: ${tasks.length} main-thread tasks, ${frameCount} frames in ${Math.round(spanMs)} ms of zooming and panning; ` +
            `longest task ${longest.ms.toFixed(1)} ms wall (${longest.cpuMs.toFixed(1)} ms CPU), longest CPU ${longestCpu.toFixed(1)} ms [${inside}], ` +
            `${over50} tasks ≥ 50 ms wall; load per core ${load.toFixed(2)}`,
        );
        // The page's own work per task (the main thread's CPU time) is held to 100 ms. So is the wall time on a
        // machine with a core to spare; when it is oversubscribed (a cargo build next to us: load per core > 1)
        // the thread also waits its turn, and the wall-time bound grows with the load (at most 4 × 100 ms).
        assert.ok(longestCpu < 100, `the longest main-thread task used ${longestCpu.toFixed(1)} ms of CPU`);
        const wallLimit = 100 * Math.min(4, Math.max(1, load));
        assert.ok(longest.ms < wallLimit, `the longest main-thread task took ${longest.ms.toFixed(1)} ms (limit ${wallLimit.toFixed(0)} ms at load per core ${load.toFixed(2)})`);
        assert.ok(frameCount > 20, `${frameCount} frames drawn`);

        // Back to all sections, then best available: 2 seats in the upper bowl.
        await page.getByRole('button', { name: 'All sections' }).click();
        await upper.waitFor();
      }
      const best = page.getByRole('region', { name: 'Best available' });
      await best.getByLabel('Number of seats').selectOption('2');
      await best.getByLabel('Category').selectOption('upper');
      await press(device, best.getByRole('button', { name: 'Find 2 seats' }));
      const heading = page.getByRole('heading', { name: /^Seats held: U\d+-\d+, U\d+-\d+$/ });
      await heading.waitFor();
      const [s1, s2] = (await heading.textContent()).replace('Seats held: ', '').split(', ');
      // The map shows where they are: zoomed in on them, held.
      await page.getByRole('button', { name: new RegExp(`^Seat ${s1}, upper, €45\\.00, held$`) }).waitFor();
      await page.getByRole('button', { name: new RegExp(`^Seat ${s2}, upper, €45\\.00, held$`) }).waitFor();
      await page.getByText(/Total €90\.00/).waitFor();
      await press(device, page.getByRole('button', { name: 'Confirm booking' }));
      await page.getByRole('heading', { name: `Booked: ${s1}, ${s2}` }).waitFor();
      await ctx.close();
    });
  }

  // ---- 7. 50,000 seats ---------------------------------------------------------------------------------

  test('a generated layout of 50,000 seats (the most a layout may have) opens on its 10 sections and stays usable', async () => {
    const admin = await tokenFor(base(), ADMIN.email, ADMIN.password);
    const sections = Array.from({ length: 10 }, (_, i) => ({
      name: `Block ${i + 1}`,
      category: i < 5 ? 'lower' : 'upper',
      position: { x: (i % 5) * 110, y: Math.floor(i / 5) * 60, rotation: 0 },
      rows: Array.from({ length: 50 }, (_, r) => ({ label: `${String.fromCharCode(65 + (i % 26))}${r + 1}`, seats: 100 })),
    }));
    const layout = await apiCall(base(), 'POST', '/admin/layouts', { name: `E2E 50k ${Date.now()}`, sections }, admin);
    assert.equal(layout.status, 201, JSON.stringify(layout.body).slice(0, 300));
    const show = await apiCall(
      base(),
      'POST',
      '/admin/shows',
      { name: `E2E 50k ${Date.now()}`, kind: 'event', time_zone: 'Europe/Madrid', starts_at: new Date(Date.now() + 20 * 86400_000).toISOString(), layout_id: layout.body.id, prices: { lower: 9000, upper: 5000 } },
      admin,
    );
    assert.equal(show.status, 201, JSON.stringify(show.body));
    const { ctx, page } = await newPage(`${base()}/`);
    const t0 = Date.now();
    await page.goto(`${base()}/shows/${show.body.id}`);
    await page.getByRole('button', { name: 'Block 7, €50.00, 5000 of 5000 seats left. Show its seats' }).waitFor({ timeout: 60_000 });
    const opened = Date.now() - t0;
    assert.equal(await page.getByRole('button', { name: /Show its seats$/ }).count(), 10);
    assert.equal(await page.locator('button.seat').count(), 0);
    const t1 = Date.now();
    await page.getByRole('button', { name: /^Block 7,/ }).click();
    const first = page.locator('button.seat').first();
    await first.waitFor();
    const zoomed = Date.now() - t1;
    const mounted = await page.locator('button.seat').count();
    console.log(`# 50,000 seats: overview ${opened} ms after navigation, seats of a block ${zoomed} ms after the click (${mounted} rendered)`);
    assert.ok(mounted < 8000, `${mounted} seats rendered`);
    // A seat can be picked and moved from by keyboard.
    const target = page.locator('button.seat[aria-label^="Seat G1-50,"]');
    await target.click();
    assert.equal(await target.getAttribute('aria-pressed'), 'true');
    await target.press('ArrowRight');
    await waitFor(async () => /^Seat G1-51,/.test(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')), 'focus on G1-51');
    await page.getByText(/^Selected: G1-50 — total €50\.00/).waitFor();
    // Hang checks: the figures above are what to watch.
    assert.ok(opened < 30_000 && zoomed < 10_000);
    await ctx.close();
  });
}
