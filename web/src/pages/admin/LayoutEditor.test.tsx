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
});
