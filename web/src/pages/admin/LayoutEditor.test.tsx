import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../api/client';
import { LayoutEditor } from './LayoutEditor';

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 201 }) });

describe('LayoutEditor', () => {
  afterEach(() => vi.restoreAllMocks());

  it('makes sections of rows (aisles, missing seats, wheelchair spaces, right to left), standing areas and appointment slots', async () => {
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok({ id: 9, name: 'Clinic and hall', seat_count: 2033, categories: [], sections: [] }) as never);
    const onSaved = vi.fn();
    const user = userEvent.setup();
    render(<LayoutEditor onSaved={onSaved} />);
    const preview = screen.getByLabelText('Layout preview');
    expect(preview).toHaveTextContent('22 seats in 1 section');

    await user.clear(screen.getByLabelText('Layout name'));
    await user.type(screen.getByLabelText('Layout name'), 'Clinic and hall');
    await user.type(screen.getByLabelText('Section 1 row 1 aisles after'), '5');
    await user.type(screen.getByLabelText('Section 1 row 1 missing seats'), '10');
    await user.type(screen.getByLabelText('Section 1 row 2 wheelchair spaces'), '1, 12');
    await user.click(screen.getByLabelText('Section 1 row 2 numbered right to left'));
    expect(preview).toHaveTextContent('21 seats in 1 section');

    await user.click(screen.getByRole('button', { name: 'Add section' }));
    const second = screen.getByRole('group', { name: 'Section 2' });
    await user.clear(within(second).getByLabelText('Section name'));
    await user.type(within(second).getByLabelText('Section name'), 'Floor');
    await user.click(within(second).getByRole('radio', { name: 'Standing area' }));
    expect(within(second).queryByRole('button', { name: 'Add row' })).toBeNull();
    await user.clear(within(second).getByLabelText('Standing places'));
    await user.type(within(second).getByLabelText('Standing places'), '2000');

    await user.click(screen.getByRole('button', { name: 'Add section' }));
    const third = screen.getByRole('group', { name: 'Section 3' });
    await user.clear(within(third).getByLabelText('Section name'));
    await user.type(within(third).getByLabelText('Section name'), 'Dr. Rivera');
    await user.clear(within(third).getByLabelText('Section category'));
    await user.type(within(third).getByLabelText('Section category'), 'consultation');
    await user.click(within(third).getByRole('radio', { name: 'Appointment slots' }));
    expect(within(third).getByText(/^12 slots of 15 minutes, the last 11:45–12:00\./)).toBeInTheDocument();
    await user.clear(within(third).getByLabelText('Minutes per slot'));
    await user.type(within(third).getByLabelText('Minutes per slot'), '30');
    expect(preview).toHaveTextContent('21 seats, 2000 standing places, and 6 appointment slots in 3 sections');

    await user.click(screen.getByRole('button', { name: 'Save layout' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved layout “Clinic and hall” (#9, 2033 places).');
    expect(post).toHaveBeenCalledWith('/admin/layouts', {
      body: {
        name: 'Clinic and hall',
        sections: [
          {
            name: 'Stalls',
            category: 'standard',
            rows: [
              { label: 'A', seats: 10, gaps_after: [5], missing: [10] },
              { label: 'B', seats: 12, accessible: [1, 12], numbering: 'right_to_left' },
            ],
          },
          { name: 'Floor', category: 'standard', standing: 2000 },
          { name: 'Dr. Rivera', category: 'consultation', slots: { from: '09:00', to: '12:00', minutes: 30 } },
        ],
      },
    });
    expect(onSaved).toHaveBeenCalled();
  });

  it('refuses a number list it cannot read, before asking the service', async () => {
    const post = vi.spyOn(api, 'POST');
    const user = userEvent.setup();
    render(<LayoutEditor onSaved={() => undefined} />);
    await user.type(screen.getByLabelText('Section 1 row 1 aisles after'), 'four');
    await user.click(screen.getByRole('button', { name: 'Save layout' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Row A: aisles after must be seat numbers separated by commas.');
    expect(post).not.toHaveBeenCalled();
  });
  it('places and turns sections, curves rows and names a stage; the preview draws them', async () => {
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok({ id: 11, name: 'Bowl', seat_count: 32, categories: ['standard'], sections: [] }) as never);
    const user = userEvent.setup();
    render(<LayoutEditor onSaved={() => undefined} />);
    await user.clear(screen.getByLabelText('Layout name'));
    await user.type(screen.getByLabelText('Layout name'), 'Bowl');
    expect(screen.queryByLabelText('Stage label')).toBeNull();
    await user.click(screen.getByLabelText(/This layout has a stage/));
    await user.clear(screen.getByLabelText('Stage label'));
    await user.type(screen.getByLabelText('Stage label'), 'Screen');
    const first = screen.getByRole('group', { name: 'Section 1' });
    await user.click(within(first).getByLabelText('Place and turn this section'));
    await user.clear(within(first).getByLabelText('Front row middle y'));
    await user.type(within(first).getByLabelText('Front row middle y'), '3');
    await user.type(screen.getByLabelText('Section 1 row 2 curve'), '1.5');

    await user.click(screen.getByRole('button', { name: 'Add section' }));
    const second = screen.getByRole('group', { name: 'Section 2' });
    await user.clear(within(second).getByLabelText('Section name'));
    await user.type(within(second).getByLabelText('Section name'), 'Balcony');
    await user.click(within(second).getByLabelText('Place and turn this section'));
    await user.clear(within(second).getByLabelText('Front row middle y'));
    await user.type(within(second).getByLabelText('Front row middle y'), '-3');
    await user.clear(within(second).getByLabelText('Rotation (degrees clockwise)'));
    await user.type(within(second).getByLabelText('Rotation (degrees clockwise)'), '180');

    const preview = screen.getByLabelText('Layout preview');
    expect(preview).toHaveTextContent('32 seats in 2 sections');
    expect(within(preview).getByTestId('preview-stage')).toHaveTextContent('Screen');
    // The placed sections are named in the preview.
    expect(within(preview).getByText('Balcony')).toBeInTheDocument();
    expect(within(preview).getByText('Stalls')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Save layout' }));
    await screen.findByRole('status');
    expect(post).toHaveBeenCalledWith('/admin/layouts', {
      body: {
        name: 'Bowl',
        sections: [
          { name: 'Stalls', category: 'standard', position: { x: 0, y: 3, rotation: 0 }, rows: [{ label: 'A', seats: 10 }, { label: 'B', seats: 12, curve: 1.5 }] },
          { name: 'Balcony', category: 'standard', position: { x: 0, y: -3, rotation: 180 }, rows: [{ label: 'C', seats: 10 }] },
        ],
        stage: { label: 'Screen', x: 0, y: 0 },
      },
    });
  });

  it('places a standing area like any section (in front of a stage); the preview draws its ground there', async () => {
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok({ id: 12, name: 'Club', seat_count: 62, categories: ['standard'], sections: [] }) as never);
    const user = userEvent.setup();
    render(<LayoutEditor onSaved={() => undefined} />);
    await user.clear(screen.getByLabelText('Layout name'));
    await user.type(screen.getByLabelText('Layout name'), 'Club');
    await user.click(screen.getByLabelText(/This layout has a stage/));
    const first = screen.getByRole('group', { name: 'Section 1' });
    await user.click(within(first).getByLabelText('Place and turn this section'));
    await user.clear(within(first).getByLabelText('Front row middle y'));
    await user.type(within(first).getByLabelText('Front row middle y'), '9');

    await user.click(screen.getByRole('button', { name: 'Add section' }));
    const pit = screen.getByRole('group', { name: 'Section 2' });
    await user.clear(within(pit).getByLabelText('Section name'));
    await user.type(within(pit).getByLabelText('Section name'), 'Pit');
    await user.clear(within(pit).getByLabelText('Section category'));
    await user.type(within(pit).getByLabelText('Section category'), 'pit');
    await user.click(within(pit).getByRole('radio', { name: 'Standing area' }));
    await user.clear(within(pit).getByLabelText('Standing places'));
    await user.type(within(pit).getByLabelText('Standing places'), '40');
    // The same placement fields as a section of rows.
    await user.click(within(pit).getByLabelText('Place and turn this section'));
    await user.clear(within(pit).getByLabelText('Front row middle y'));
    await user.type(within(pit).getByLabelText('Front row middle y'), '2');
    expect(within(pit).getByText(/The middle of the area’s front edge goes to \(x, y\)/)).toBeInTheDocument();

    // The preview draws the pit's ground between the stage and the stalls.
    const preview = screen.getByLabelText('Layout preview');
    expect(preview).toHaveTextContent('22 seats and 40 standing places in 2 sections');
    expect(within(preview).getByText('Pit · 40 standing')).toBeInTheDocument();
    const ys = (points: string) => points.trim().split(/\s+/).map((p) => Number(p.split(',')[1]));
    const ground = ys(within(preview).getByTestId('preview-area').getAttribute('points')!);
    const stageTop = parseFloat(within(preview).getByTestId('preview-stage').style.top);
    const seatTops = [...preview.querySelectorAll<HTMLElement>('.preview-seat')].map((e) => parseFloat(e.style.top));
    expect(stageTop).toBeLessThan(Math.min(...ground));
    expect(Math.max(...ground)).toBeLessThan(Math.min(...seatTops));

    await user.click(screen.getByRole('button', { name: 'Save layout' }));
    await screen.findByRole('status');
    expect(post).toHaveBeenCalledWith('/admin/layouts', {
      body: {
        name: 'Club',
        sections: [
          { name: 'Stalls', category: 'standard', position: { x: 0, y: 9, rotation: 0 }, rows: [{ label: 'A', seats: 10 }, { label: 'B', seats: 12 }] },
          { name: 'Pit', category: 'pit', position: { x: 0, y: 2, rotation: 0 }, standing: 40 },
        ],
        stage: { label: 'Stage', x: 0, y: 0 },
      },
    });
  });

  it('refuses a placement or curve it cannot read, before asking the service', async () => {
    const post = vi.spyOn(api, 'POST');
    const user = userEvent.setup();
    render(<LayoutEditor onSaved={() => undefined} />);
    await user.type(screen.getByLabelText('Section 1 row 1 curve'), 'lots');
    await user.click(screen.getByRole('button', { name: 'Save layout' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Row A: curve must be a number between -100 and 100 (row depths).');
    await user.clear(screen.getByLabelText('Section 1 row 1 curve'));
    await user.click(screen.getByLabelText('Place and turn this section'));
    await user.clear(screen.getByLabelText('Rotation (degrees clockwise)'));
    await user.type(screen.getByLabelText('Rotation (degrees clockwise)'), 'north');
    await user.click(screen.getByRole('button', { name: 'Save layout' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Section Stalls: rotation must be a number of degrees.');
    expect(post).not.toHaveBeenCalled();
  });
});
