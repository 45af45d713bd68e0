// A case's progress as a person reads it: the seven steps 上报→立案→派遣→处置→核查→结案→评价
// with the time each was done, and each step's deadline with its light. This only presents what
// the case and its events say; what may be done next comes from `allowed_actions`.
import type { components } from '../api/schema'
import { deadlineLight, timeLeft, type Light } from './deadline'

export type CaseRead = components['schemas']['CaseRead']
export type CaseEvent = components['schemas']['CaseEventRead']

export type StepKey = 'report' | 'register' | 'dispatch' | 'handle' | 'verify' | 'close' | 'evaluate'
export const STEPS: readonly StepKey[] = [
  'report',
  'register',
  'dispatch',
  'handle',
  'verify',
  'close',
  'evaluate',
]

// The events that complete each step; the last one counts (a case may be dispatched again).
const DONE_BY: Record<StepKey, readonly string[]> = {
  report: ['file'],
  register: ['register', 'reject'],
  dispatch: ['dispatch', 'whistle'],
  handle: ['report_handled'],
  verify: ['verify'],
  close: ['close'],
  evaluate: ['evaluate'],
}

export interface Progress {
  /** The step being worked on (STEPS.length once everything is done). */
  active: number
  /** The active step went wrong: the report was rejected, or the verification failed. */
  failed: boolean
  /** When each step was done; null for the steps not done. */
  doneAt: (string | null)[]
}

function lastEvent(events: readonly CaseEvent[], actions: readonly string[]): CaseEvent | null {
  return [...events].reverse().find((event) => actions.includes(event.action)) ?? null
}

/** Where a case stands in the seven steps. */
export function progressOf(c: CaseRead, events: readonly CaseEvent[]): Progress {
  const active = activeStep(c)
  return {
    active,
    failed: c.status === 'rejected' || (c.status === 'handled' && c.verification === 'failed'),
    doneAt: STEPS.map((step, index) =>
      index < active ? (lastEvent(events, DONE_BY[step])?.occurred_at ?? null) : null,
    ),
  }
}

function activeStep(c: CaseRead): number {
  switch (c.status) {
    case 'reported':
    case 'rejected':
      return 1
    case 'registered':
      return 2
    case 'dispatched':
    case 'handling':
    case 'suspended':
      return 3
    case 'handled':
      return c.verification === 'passed' ? 5 : 4
    case 'closed':
      return 6
    case 'evaluated':
      return 7
  }
}

export type DeadlineKey = 'register' | 'dispatch' | 'handle' | 'verify' | 'close'

export interface Deadline {
  key: DeadlineKey
  dueAt: string
  startedAt: string
  /** When the step was done; null while it runs. */
  doneAt: string | null
  /** The clocks stand still (挂账). */
  paused: boolean
}

/** Each deadline the case has, when its clock started and whether it is still running. */
export function deadlinesOf(c: CaseRead, events: readonly CaseEvent[]): Deadline[] {
  const { active, doneAt } = progressOf(c, events)
  const stepDone = (step: StepKey): string | null => doneAt[STEPS.indexOf(step)] ?? null
  // Handling starts at the latest dispatch or rework; closing is due from the same start.
  const handlingFrom = lastEvent(events, ['dispatch', 'whistle', 'rework'])?.occurred_at ?? null
  const rows: [DeadlineKey, string | null, string | null, string | null][] = [
    ['register', c.register_due_at, c.reported_at, stepDone('register')],
    ['dispatch', c.dispatch_due_at, c.registered_at, stepDone('dispatch')],
    ['handle', c.handle_due_at, handlingFrom, stepDone('handle')],
    ['verify', c.verify_due_at, c.handled_at, stepDone('verify')],
    ['close', c.close_due_at, handlingFrom, stepDone('close')],
  ]
  const finished = c.status === 'rejected' || active >= STEPS.indexOf('evaluate')
  return rows.flatMap(([key, dueAt, startedAt, done]) =>
    dueAt && startedAt
      ? [
          {
            key,
            dueAt,
            startedAt,
            // A finished case's clocks are all stopped, at the latest event.
            doneAt: done ?? (finished ? (events.at(-1)?.occurred_at ?? null) : null),
            paused: c.status === 'suspended' && key === 'handle',
          },
        ]
      : [],
  )
}

/** The light of a deadline at `now`; a paused one has none. */
export function lightOf(deadline: Deadline, now: Date): Light {
  return deadline.paused ? 'none' : deadlineLight(deadline, now)
}

/** Milliseconds left at `now` (negative once overdue); null when done or paused. */
export function remaining(deadline: Deadline, now: Date): number | null {
  return deadline.doneAt || deadline.paused ? null : timeLeft(deadline, now)
}

export interface Span {
  overdue: boolean
  days: number
  hours: number
  minutes: number
  seconds: number
}

/** A countdown split into days, hours, minutes and seconds. */
export function spanOf(milliseconds: number): Span {
  const total = Math.floor(Math.abs(milliseconds) / 1000)
  return {
    overdue: milliseconds < 0,
    days: Math.floor(total / 86_400),
    hours: Math.floor((total % 86_400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  }
}

export type SpanUnit = 'days' | 'hours' | 'minutes' | 'seconds'

/** The two largest parts of a span worth saying: `3天2小时`, `5分10秒`. */
export function spanParts(span: Span): [SpanUnit, number][] {
  const parts: [SpanUnit, number][] = [
    ['days', span.days],
    ['hours', span.hours],
    ['minutes', span.minutes],
    ['seconds', span.seconds],
  ]
  const first = parts.findIndex(([, n]) => n > 0)
  return first === -1 ? [['seconds', 0]] : parts.slice(first, first + 2)
}
