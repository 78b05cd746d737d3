/**
 * Calls and texts of a day, after Forest's willow (`log_stats.py`), under willow's own names.
 * Beiwe's Android app writes any call type other than incoming or outgoing as missed (spec §4.2),
 * so those count as missed here; willow counts only the literal "Missed Call".
 */
export type CallRow = { t: number; hash: string; type: string; durationS: number };
export type TextRow = { t: number; hash: string; direction: string; length: number | null };

export const SOCIABILITY_FEATURES = [
  'num_in_call',
  'num_out_call',
  'num_mis_call',
  'num_in_caller',
  'num_out_caller',
  'num_mis_caller',
  'total_time_in_call',
  'total_time_out_call',
  'num_s',
  'num_r',
  'num_mms_s',
  'num_mms_r',
  'num_s_tel',
  'num_r_tel',
  'total_char_s',
  'total_char_r',
  'num_uniq_individuals_call_or_text',
  'text_reciprocity_incoming',
  'text_reciprocity_outgoing',
] as const;
export type SociabilityFeature = (typeof SOCIABILITY_FEATURES)[number];

export function daySociability(
  calls: readonly CallRow[],
  texts: readonly TextRow[]
): Record<SociabilityFeature, number> {
  const inCalls = calls.filter((c) => c.type === 'Incoming Call');
  const outCalls = calls.filter((c) => c.type === 'Outgoing Call');
  const missed = calls.filter((c) => c.type !== 'Incoming Call' && c.type !== 'Outgoing Call');
  const sent = texts.filter((t) => t.direction === 'sent SMS');
  const received = texts.filter((t) => t.direction === 'received SMS');
  // A sent MMS carries no number: it counts, but as nobody's.
  const distinct = (rows: readonly { hash: string }[]) => new Set(rows.map((r) => r.hash).filter((h) => h !== '')).size;
  const minutes = (rows: readonly CallRow[]) => rows.reduce((a, c) => a + c.durationS, 0) / 60;
  const chars = (rows: readonly TextRow[]) => rows.reduce((a, t) => a + (t.length ?? 0), 0);
  return {
    num_in_call: inCalls.length,
    num_out_call: outCalls.length,
    num_mis_call: missed.length,
    num_in_caller: distinct(inCalls),
    num_out_caller: distinct(outCalls),
    num_mis_caller: distinct(missed),
    total_time_in_call: minutes(inCalls),
    total_time_out_call: minutes(outCalls),
    num_s: sent.length,
    num_r: received.length,
    num_mms_s: texts.filter((t) => t.direction === 'sent MMS').length,
    num_mms_r: texts.filter((t) => t.direction === 'received MMS').length,
    num_s_tel: distinct(sent),
    num_r_tel: distinct(received),
    total_char_s: chars(sent),
    total_char_r: chars(received),
    num_uniq_individuals_call_or_text: distinct([...calls, ...sent, ...received]),
    ...textReciprocity(sent, received),
  };
}

/**
 * Willow's daily text reciprocity (`text_analysis`, daily only), as its code computes it: SMS received
 * from numbers the participant sent no SMS to that day (incoming), and SMS sent to numbers that sent
 * none that day (outgoing). Willow's docs table swaps the two descriptions; its code and docstring
 * are followed here.
 */
function textReciprocity(
  sent: readonly TextRow[],
  received: readonly TextRow[]
): Record<'text_reciprocity_incoming' | 'text_reciprocity_outgoing', number> {
  const sentTo = new Set(sent.map((t) => t.hash));
  const receivedFrom = new Set(received.map((t) => t.hash));
  return {
    text_reciprocity_incoming: received.filter((t) => !sentTo.has(t.hash)).length,
    text_reciprocity_outgoing: sent.filter((t) => !receivedFrom.has(t.hash)).length,
  };
}
