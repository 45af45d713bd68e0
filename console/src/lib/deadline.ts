// The deadline light of a step (绿 / 黄 / 红), as the console shows it beside every case.

export type Light = 'green' | 'yellow' | 'red' | 'none'

export interface Step {
  /** When the step began (its clock started). */
  startedAt: Date | string
  /** Its deadline; null when the step has none (for example while suspended). */
  dueAt: Date | string | null
  /** When the step was done; its light is then frozen at that moment. */
  doneAt?: Date | string | null
}

const toTime = (value: Date | string): number =>
  value instanceof Date ? value.getTime() : new Date(value).getTime()

/**
 * 红 once the deadline has passed, 黄 when less than a quarter of the step's time is left,
 * 绿 otherwise; a finished step keeps the light it had when it was done.
 */
export function deadlineLight(step: Step, now: Date | string = new Date()): Light {
  if (step.dueAt === null) return 'none'
  const start = toTime(step.startedAt)
  const due = toTime(step.dueAt)
  const at = step.doneAt ? toTime(step.doneAt) : toTime(now)
  if ([start, due, at].some(Number.isNaN)) return 'none'
  if (at > due) return 'red'
  const left = due - at
  const whole = due - start
  return whole <= 0 || left * 4 < whole ? 'yellow' : 'green'
}

/** Milliseconds left until the deadline (negative once overdue); null without one. */
export function timeLeft(step: Step, now: Date | string = new Date()): number | null {
  return step.dueAt === null ? null : toTime(step.dueAt) - toTime(now)
}
