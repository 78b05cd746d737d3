import { describe, expect, it } from 'vitest';
import { dayAdherence } from './adherence.ts';
import { daySociability } from './sociability.ts';

describe('daily sociability (willow)', () => {
  it('counts calls in, out and missed, their distinct numbers and minutes, and texts by direction', () => {
    const calls = [
      { t: 1, hash: 'a', type: 'Incoming Call', durationS: 120 },
      { t: 2, hash: 'a', type: 'Incoming Call', durationS: 30 },
      { t: 3, hash: 'b', type: 'Outgoing Call', durationS: 600 },
      { t: 4, hash: 'c', type: 'Missed Call', durationS: 0 },
      { t: 5, hash: 'c', type: 'Missed Call', durationS: 0 },
      { t: 6, hash: 'd', type: 'Missed Call', durationS: 0 },
    ];
    const texts = [
      { t: 1, hash: 'a', direction: 'sent SMS', length: 10 },
      { t: 2, hash: 'e', direction: 'sent SMS', length: 5 },
      { t: 3, hash: 'e', direction: 'received SMS', length: 7 },
      { t: 4, hash: 'f', direction: 'received MMS', length: null },
      { t: 5, hash: '', direction: 'sent MMS', length: null },
    ];
    expect(daySociability(calls, texts)).toEqual({
      num_in_call: 2,
      num_out_call: 1,
      num_mis_call: 3,
      num_in_caller: 1,
      num_out_caller: 1,
      num_mis_caller: 2,
      total_time_in_call: 2.5,
      total_time_out_call: 10,
      num_s: 2,
      num_r: 1,
      num_mms_s: 1,
      num_mms_r: 1,
      num_s_tel: 2,
      num_r_tel: 1,
      total_char_s: 15,
      total_char_r: 7,
      // a, b, c, d by call; e by SMS; MMS are not counted, as in willow.
      num_uniq_individuals_call_or_text: 5,
      // e answered by SMS; a was texted and did not text back.
      text_reciprocity_incoming: 0,
      text_reciprocity_outgoing: 1,
    });
  });

  it("counts texts left without an SMS the other way in the day (willow's reciprocity)", () => {
    const texts = [
      { t: 1, hash: 'x', direction: 'sent SMS', length: 3 },
      { t: 2, hash: 'x', direction: 'sent SMS', length: 3 },
      { t: 3, hash: 'y', direction: 'sent SMS', length: 3 },
      { t: 4, hash: 'y', direction: 'received SMS', length: 3 },
      { t: 5, hash: 'z', direction: 'received SMS', length: 3 },
      { t: 6, hash: 'z', direction: 'received SMS', length: 3 },
      { t: 7, hash: 'z', direction: 'received SMS', length: 3 },
      // An MMS is no answer: x still sent none back by SMS, and z was sent none.
      { t: 8, hash: 'x', direction: 'received MMS', length: null },
      { t: 9, hash: 'z', direction: 'sent MMS', length: null },
    ];
    const r = daySociability([], texts);
    // Received from z (never texted): 3. Sent to x (never texted back): 2. y went both ways.
    expect([r.text_reciprocity_incoming, r.text_reciprocity_outgoing]).toEqual([3, 2]);
    expect([r.num_s_tel, r.num_r_tel, r.num_uniq_individuals_call_or_text]).toEqual([2, 2, 3]);
  });

  it('a day without calls or texts is zeros (Android logs them all)', () => {
    const zero = daySociability([], []);
    expect(Object.values(zero).every((v) => v === 0)).toBe(true);
  });
});

describe('daily survey adherence (sycamore)', () => {
  it('counts surveys opened and submitted, and the mean seconds from first display to submit', () => {
    const rows = [
      { t: 1_000, surveyId: 's1', event: 'Survey first rendered and displayed to user' },
      { t: 61_000, surveyId: 's1', event: null },
      { t: 91_000, surveyId: 's1', event: 'User hit submit' },
      { t: 100_000, surveyId: 's2', event: 'present' },
      { t: 130_000, surveyId: 's2', event: 'submitted' },
      // Opened again after its submission, then abandoned: opened, not submitted.
      { t: 200_000, surveyId: 's1', event: 'Survey first rendered and displayed to user' },
    ];
    expect(dayAdherence(rows)).toEqual({ num_opened_surveys: 3, num_submitted_surveys: 2, avg_time_to_submit: 60 });
    expect(dayAdherence([])).toEqual({ num_opened_surveys: 0, num_submitted_surveys: 0, avg_time_to_submit: null });
  });
});
