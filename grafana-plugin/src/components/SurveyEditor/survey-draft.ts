import type { FieldProblem } from '../../api/client.ts';
import type { Survey, SurveyDefinition, SurveyType } from '../../api/study-config.ts';

/**
 * A survey as the editor holds it while it is typed in, and the conversions to and from the admin
 * API's shape. Questions keep every key they came with (Beiwe stores them verbatim); times are text
 * until saved; skip logic is a list of conditions when it is one, and JSON text when it is more.
 */

export const QUESTION_TYPES = [
  { value: 'info_text_box', label: 'Info text' },
  { value: 'checkbox', label: 'Checkbox' },
  { value: 'radio_button', label: 'Radio buttons' },
  { value: 'slider', label: 'Slider' },
  { value: 'free_response', label: 'Free response' },
  { value: 'date', label: 'Date' },
  { value: 'time', label: 'Time' },
  { value: 'date_time', label: 'Date and time' },
] as const;

export const TEXT_FIELD_TYPES = [
  { value: 'NUMERIC', label: 'Number' },
  { value: 'SINGLE_LINE_TEXT', label: 'Single line of text' },
  { value: 'MULTI_LINE_TEXT', label: 'Several lines of text' },
] as const;

export const COMPARATORS = ['==', '!=', '<', '<=', '>', '>='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export type Condition = { questionId: string; op: Comparator; value: string };
export type Logic =
  { mode: 'always' } | { mode: 'all' | 'any'; conditions: Condition[] } | { mode: 'advanced'; text: string };

export type DraftQuestion = { raw: Record<string, unknown>; logic: Logic };

export type Draft = {
  surveyType: Survey['surveyType'];
  name: string;
  settings: Record<string, unknown>;
  questions: DraftQuestion[];
  /** An audio survey's content: its prompts. */
  prompts: Array<Record<string, unknown>>;
  weekly: Array<{ day: number; time: string }>;
  absolute: Array<{ date: string; time: string }>;
  relative: Array<{ interventionId: number | null; daysAfter: string; time: string }>;
};

const TYPE_KEYS = ['answers', 'min', 'max', 'text_field_type'];

/** A question of `type`, keeping its text, id and skip logic; what only the old type had is dropped. */
export function withType(raw: Record<string, unknown>, type: string): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(raw).filter(([k]) => !TYPE_KEYS.includes(k)));
  const next: Record<string, unknown> = { ...kept, question_type: type };
  if (type === 'radio_button' || type === 'checkbox') next.answers = raw.answers ?? [{ text: '' }];
  if (type === 'slider') Object.assign(next, { min: raw.min ?? 0, max: raw.max ?? 10 });
  if (type === 'free_response') next.text_field_type = raw.text_field_type ?? 'SINGLE_LINE_TEXT';
  return next;
}

export function newQuestion(type = 'radio_button'): DraftQuestion {
  return { raw: withType({ question_id: crypto.randomUUID(), question_text: '' }, type), logic: { mode: 'always' } };
}

/** What an input shows for a value from a loose object: its text, or nothing. */
export const textOf = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isComparator = (op: string): op is Comparator => (COMPARATORS as readonly string[]).includes(op);

function readCondition(node: unknown): Condition | undefined {
  if (!isObject(node) || Object.keys(node).length !== 1) return undefined;
  const [op, arg] = Object.entries(node)[0]!;
  if (!isComparator(op) || !Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') return undefined;
  const value: unknown = arg[1];
  return typeof value === 'number' || typeof value === 'string'
    ? { questionId: arg[0], op, value: String(value) }
    : undefined;
}

/** Skip logic as conditions when it is a comparison, or an and/or of comparisons; as JSON text otherwise. */
export function readLogic(displayIf: unknown): Logic {
  if (displayIf === undefined || displayIf === null || (isObject(displayIf) && Object.keys(displayIf).length === 0)) {
    return { mode: 'always' };
  }
  const single = readCondition(displayIf);
  if (single) return { mode: 'all', conditions: [single] };
  if (isObject(displayIf) && Object.keys(displayIf).length === 1) {
    const [op, arg] = Object.entries(displayIf)[0]!;
    if ((op === 'and' || op === 'or') && Array.isArray(arg) && arg.length > 0) {
      const conditions = arg.map(readCondition);
      if (conditions.every((c) => c !== undefined)) return { mode: op === 'and' ? 'all' : 'any', conditions };
    }
  }
  return { mode: 'advanced', text: JSON.stringify(displayIf, null, 2) };
}

/** A value both apps read as a number goes as one; anything else as typed, for the ingest to name. */
const comparisonValue = (v: string): number | string => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

function writeLogic(logic: Logic): { value: unknown } | { problem: string } {
  if (logic.mode === 'always') return { value: undefined };
  if (logic.mode === 'advanced') {
    try {
      return { value: JSON.parse(logic.text) as unknown };
    } catch (err) {
      return { problem: `the skip logic is not valid JSON: ${(err as Error).message}` };
    }
  }
  const nodes = logic.conditions.map((c) => ({ [c.op]: [c.questionId, comparisonValue(c.value)] }));
  if (nodes.length === 1) return { value: nodes[0] };
  return { value: { [logic.mode === 'all' ? 'and' : 'or']: nodes } };
}

const pad = (n: number) => String(n).padStart(2, '0');
const timeOf = (x: { hour: number; minute: number }) => `${pad(x.hour)}:${pad(x.minute)}`;

function parseTime(text: string): { hour: number; minute: number } | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
}

export const DEFAULT_SETTINGS: Record<SurveyType, Record<string, unknown>> = {
  tracking_survey: {
    trigger_on_first_download: false,
    randomize: false,
    randomize_with_memory: false,
    number_of_random_questions: null,
    always_available: false,
  },
  audio_survey: {
    trigger_on_first_download: false,
    always_available: false,
    audio_survey_type: 'compressed',
    bit_rate: 64000,
    sample_rate: 44100,
  },
};

export function emptyDraft(surveyType: SurveyType): Draft {
  return {
    surveyType,
    name: '',
    settings: { ...DEFAULT_SETTINGS[surveyType] },
    questions: surveyType === 'tracking_survey' ? [newQuestion()] : [],
    prompts: surveyType === 'audio_survey' ? [{ prompt: '' }] : [],
    weekly: [],
    absolute: [],
    relative: [],
  };
}

export function toDraft(survey: Survey): Draft {
  const tracking = survey.surveyType === 'tracking_survey';
  return {
    surveyType: survey.surveyType,
    name: survey.name,
    settings: survey.settings,
    questions: tracking ? survey.content.map((raw) => ({ raw, logic: readLogic(raw.display_if) })) : [],
    // A survey of another type (kept from an imported Beiwe file) may hold any JSON: not prompts.
    prompts: survey.surveyType === 'audio_survey' ? survey.content : [],
    weekly: survey.schedules.weekly.map((w) => ({ day: w.day, time: timeOf(w) })),
    absolute: survey.schedules.absolute.map((a) => ({ date: a.date, time: timeOf(a) })),
    relative: survey.schedules.relative.map((r) => ({
      interventionId: r.interventionId,
      daysAfter: String(r.daysAfter),
      time: timeOf(r),
    })),
  };
}

const TIME_PROBLEM = 'must be a time such as 09:30 (24-hour clock)';

/**
 * The survey to send, or what must be fixed first: what only the browser can tell (a time that is
 * not a time, skip logic that is not JSON), at the same field paths the ingest uses.
 */
const isServedType = (t: Draft['surveyType']): t is SurveyType => t === 'tracking_survey' || t === 'audio_survey';

export function fromDraft(d: Draft): { definition: SurveyDefinition } | { problems: FieldProblem[] } {
  const surveyType = d.surveyType;
  if (!isServedType(surveyType)) {
    // Kept from an imported Beiwe file as it was; the ingest refuses any change to it too.
    return { problems: [{ field: 'surveyType', message: `a ${surveyType} survey cannot be edited in Vigil` }] };
  }
  const problems: FieldProblem[] = [];
  const at = <T extends { time: string }>(list: T[], kind: string) =>
    list.map((item, i) => {
      const time = parseTime(item.time);
      if (!time) problems.push({ field: `schedules.${kind}.${i}.time`, message: TIME_PROBLEM });
      return { item, time: time ?? { hour: 0, minute: 0 } };
    });

  const content =
    d.surveyType === 'tracking_survey'
      ? d.questions.map((q, i) => {
          const rest = Object.fromEntries(Object.entries(q.raw).filter(([k]) => k !== 'display_if'));
          const logic = writeLogic(q.logic);
          if ('problem' in logic) {
            problems.push({ field: `content.${i}.display_if`, message: logic.problem });
            return rest;
          }
          return logic.value === undefined ? rest : { ...rest, display_if: logic.value };
        })
      : d.prompts;
  const weekly = at(d.weekly, 'weekly').map(({ item, time }) => ({ day: item.day, ...time }));
  const absolute = at(d.absolute, 'absolute').map(({ item, time }) => ({ date: item.date.trim(), ...time }));
  const relative = at(d.relative, 'relative').map(({ item, time }, i) => {
    const daysAfter = Number(item.daysAfter);
    if (item.daysAfter.trim() === '' || !Number.isInteger(daysAfter)) {
      problems.push({ field: `schedules.relative.${i}.daysAfter`, message: 'must be a whole number of days' });
    }
    if (item.interventionId === null) {
      problems.push({ field: `schedules.relative.${i}.interventionId`, message: 'choose an intervention' });
    }
    return { interventionId: item.interventionId ?? 0, daysAfter, ...time };
  });
  if (problems.length > 0) return { problems };
  return {
    definition: {
      surveyType,
      name: d.name,
      content,
      settings: d.settings,
      schedules: { weekly, absolute, relative },
    },
  };
}

/** Question types whose answer skip logic can compare: Beiwe's numeric answers. */
export function isNumericQuestion(raw: Record<string, unknown>): boolean {
  const type = raw.question_type;
  return (
    type === 'slider' ||
    type === 'radio_button' ||
    type === 'checkbox' ||
    (type === 'free_response' && raw.text_field_type === 'NUMERIC')
  );
}

/** Problems the editor shows somewhere specific; any other is listed at the top of the form. */
export function isPlacedProblem(field: string): boolean {
  return /^(name|settings|content\.\d+|schedules\.(weekly|absolute|relative)\.\d+)(\.|$)/.test(field);
}

/** "Mon 09:00, 2 dates, 1 relative": when a survey goes out, at a glance. */
export function scheduleSummary({ weekly, absolute, relative }: Survey['schedules']): string {
  const parts = [
    ...weekly.slice(0, 3).map((w) => `${DAYS[w.day]!.slice(0, 3)} ${pad(w.hour)}:${pad(w.minute)}`),
    ...(weekly.length > 3 ? [`${weekly.length - 3} more weekly`] : []),
    ...(absolute.length > 0 ? [`${absolute.length} date${absolute.length === 1 ? '' : 's'}`] : []),
    ...relative.slice(0, 2).map((r) => `${r.daysAfter} d after ${r.intervention ?? 'an intervention'}`),
    ...(relative.length > 2 ? [`${relative.length - 2} more relative`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'Not scheduled';
}
