import { describe, expect, it } from 'vitest'
import {
  deadlinesOf,
  lightOf,
  progressOf,
  remaining,
  spanOf,
  spanParts,
  type CaseEvent,
  type CaseRead,
} from './caseSteps'

const at = (time: string) => `2026-03-02T${time}:00+08:00`

function event(action: string, time: string): CaseEvent {
  return {
    case_event_id: 0,
    action,
    from_status: null,
    to_status: 'reported',
    actor_role: 'dispatcher',
    actor: 'disp1',
    payload: {},
    occurred_at: at(time),
  }
}

// A case as far as dispatching: filed 09:00, registered 09:30, dispatched 10:00.
const dispatched = {
  case_id: 1,
  status: 'handling',
  verification: null,
  reported_at: at('09:00'),
  registered_at: at('09:30'),
  dispatched_at: at('10:00'),
  handled_at: null,
  register_due_at: at('10:00'),
  dispatch_due_at: at('10:30'),
  handle_due_at: at('14:00'),
  verify_due_at: null,
  close_due_at: at('16:00'),
} as unknown as CaseRead
const events = [event('file', '09:00'), event('register', '09:30'), event('dispatch', '10:00')]

describe('the steps of a case', () => {
  it('mark the steps done with their times and the one being worked on', () => {
    const progress = progressOf(dispatched, events)

    expect(progress.active).toBe(3)
    expect(progress.failed).toBe(false)
    expect(progress.doneAt).toEqual([at('09:00'), at('09:30'), at('10:00'), null, null, null, null])
  })

  it('show a returned case back at dispatching, its old dispatch not done', () => {
    const returned = { ...dispatched, status: 'registered' } as CaseRead
    const progress = progressOf(returned, [...events, event('return', '10:10')])

    expect(progress.active).toBe(2)
    expect(progress.doneAt[2]).toBeNull()
  })

  it('mark a rejected report and a failed verification as gone wrong', () => {
    expect(progressOf({ ...dispatched, status: 'rejected' }, events)).toMatchObject({
      active: 1,
      failed: true,
    })
    const failed = { ...dispatched, status: 'handled', verification: 'failed' } as CaseRead
    expect(progressOf(failed, events)).toMatchObject({ active: 4, failed: true })
    const passed = { ...failed, verification: 'passed' } as CaseRead
    expect(progressOf(passed, events)).toMatchObject({ active: 5, failed: false })
  })
})

describe('the deadlines of a case', () => {
  it('list the deadlines it has, done or running', () => {
    const deadlines = deadlinesOf(dispatched, events)

    expect(deadlines.map((d) => d.key)).toEqual(['register', 'dispatch', 'handle', 'close'])
    expect(deadlines[0]).toMatchObject({ startedAt: at('09:00'), doneAt: at('09:30') })
    expect(deadlines[2]).toMatchObject({ startedAt: at('10:00'), doneAt: null, paused: false })
  })

  it('count handling from the last rework', () => {
    const reworked = [...events, event('report_handled', '11:00'), event('rework', '12:00')]
    const handle = deadlinesOf(dispatched, reworked).find((d) => d.key === 'handle')

    expect(handle).toMatchObject({ startedAt: at('12:00'), doneAt: null })
  })

  it('give a running deadline a countdown and a light, a done one neither', () => {
    const [register, , handle] = deadlinesOf(dispatched, events)
    const now = new Date(at('13:30'))

    expect(remaining(handle!, now)).toBe(30 * 60_000)
    expect(lightOf(handle!, now)).toBe('yellow')
    expect(remaining(register!, now)).toBeNull()
    expect(lightOf(register!, now)).toBe('green')
  })

  it('stop the handling clock while suspended', () => {
    const suspended = { ...dispatched, status: 'suspended' } as CaseRead
    const handle = deadlinesOf(suspended, events).find((d) => d.key === 'handle')!

    expect(handle.paused).toBe(true)
    expect(remaining(handle, new Date(at('15:00')))).toBeNull()
    expect(lightOf(handle, new Date(at('15:00')))).toBe('none')
  })
})

describe('a countdown', () => {
  it('splits into days, hours, minutes and seconds, and says when it is overdue', () => {
    expect(spanOf(((26 * 60 + 3) * 60 + 4) * 1000)).toEqual({
      overdue: false,
      days: 1,
      hours: 2,
      minutes: 3,
      seconds: 4,
    })
    expect(spanOf(-90_500)).toMatchObject({ overdue: true, minutes: 1, seconds: 30 })
  })
})

describe('what a countdown says', () => {
  it('is its two largest parts, from the first that is not zero', () => {
    expect(spanParts(spanOf(((26 * 60 + 3) * 60 + 4) * 1000))).toEqual([
      ['days', 1],
      ['hours', 2],
    ])
    expect(spanParts(spanOf(-(5 * 60 + 10) * 1000))).toEqual([
      ['minutes', 5],
      ['seconds', 10],
    ])
    expect(spanParts(spanOf(3_600_000))).toEqual([
      ['hours', 1],
      ['minutes', 0],
    ])
    expect(spanParts(spanOf(400))).toEqual([['seconds', 0]])
  })
})
