import { useState } from 'react';
import { type Schemas } from '../api/client';
import { Check } from '../ui/field';

export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Availability = Schemas['AvailabilityBody'];

/** A member's availability (R14): a switch and weekly slots, saved together. */
export function AvailabilityEditor({
  value,
  busy,
  onSave,
}: {
  value: Availability | undefined;
  busy: boolean;
  onSave: (availability: Availability) => void;
}) {
  const [available, setAvailable] = useState(value?.available ?? true);
  const [weekly, setWeekly] = useState<Availability['weekly']>(value?.weekly ?? []);
  const change = (index: number, slot: Partial<Availability['weekly'][number]>) =>
    setWeekly(weekly.map((s, i) => (i === index ? { ...s, ...slot } : s)));
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSave({ available, weekly });
      }}
    >
      <Check label="Available" checked={available} onChange={(e) => setAvailable(e.target.checked)} />
      <fieldset>
        <legend>Weekly hours</legend>
        {weekly.length === 0 && <p className="empty">No hours set.</p>}
        {weekly.map((slot, index) => (
          <div key={index} className="slot">
            <label>
              <span className="visually-hidden">Day of slot {index + 1}</span>
              <select value={slot.day} onChange={(e) => change(index, { day: Number(e.target.value) })}>
                {DAYS.map((day, n) => (
                  <option key={day} value={n}>
                    {day}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span className="visually-hidden">Slot {index + 1} from</span>
              <input
                type="time"
                value={slot.from}
                required
                onChange={(e) => change(index, { from: e.target.value })}
              />
            </label>
            <span aria-hidden="true">–</span>
            <label>
              <span className="visually-hidden">Slot {index + 1} to</span>
              <input
                type="time"
                value={slot.to}
                required
                onChange={(e) => change(index, { to: e.target.value })}
              />
            </label>
            <button
              type="button"
              className="secondary"
              onClick={() => setWeekly(weekly.filter((_, i) => i !== index))}
            >
              Remove<span className="visually-hidden"> slot {index + 1}</span>
            </button>
          </div>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() => setWeekly([...weekly, { day: 1, from: '09:00', to: '17:00' }])}
        >
          Add hours
        </button>
      </fieldset>
      <button disabled={busy}>Save availability</button>
    </form>
  );
}
