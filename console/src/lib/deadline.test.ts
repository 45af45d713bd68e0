import { describe, expect, it } from 'vitest'
import { deadlineLight, timeLeft } from './deadline'

// A step of 8 hours: a quarter of it is 2 hours.
const step = { startedAt: '2026-03-02T09:00:00+08:00', dueAt: '2026-03-02T17:00:00+08:00' }

describe('deadlineLight', () => {
  it('is green while more than a quarter of the time is left', () => {
    expect(deadlineLight(step, '2026-03-02T09:00:00+08:00')).toBe('green')
    expect(deadlineLight(step, '2026-03-02T15:00:00+08:00')).toBe('green')
  })

  it('turns yellow under a quarter of the time left', () => {
    expect(deadlineLight(step, '2026-03-02T15:00:01+08:00')).toBe('yellow')
    expect(deadlineLight(step, '2026-03-02T17:00:00+08:00')).toBe('yellow')
  })

  it('is red once the deadline has passed', () => {
    expect(deadlineLight(step, '2026-03-02T17:00:01+08:00')).toBe('red')
    expect(deadlineLight(step, new Date('2026-03-05T00:00:00Z'))).toBe('red')
  })

  it('keeps the light a finished step had when it was done', () => {
    const onTime = { ...step, doneAt: '2026-03-02T10:00:00+08:00' }
    const late = { ...step, doneAt: '2026-03-02T18:00:00+08:00' }
    expect(deadlineLight(onTime, '2026-04-01T00:00:00+08:00')).toBe('green')
    expect(deadlineLight(late, '2026-03-02T18:30:00+08:00')).toBe('red')
  })

  it('has no light without a deadline or with unreadable times', () => {
    expect(deadlineLight({ ...step, dueAt: null })).toBe('none')
    expect(deadlineLight({ ...step, dueAt: 'not a time' })).toBe('none')
  })

  it('compares instants, not the zones they are written in', () => {
    expect(deadlineLight(step, '2026-03-02T07:30:00Z')).toBe('yellow') // 15:30 in Shanghai
  })
})

describe('timeLeft', () => {
  it('counts down to the deadline and below zero after it', () => {
    expect(timeLeft(step, '2026-03-02T16:00:00+08:00')).toBe(3_600_000)
    expect(timeLeft(step, '2026-03-02T18:00:00+08:00')).toBe(-3_600_000)
    expect(timeLeft({ ...step, dueAt: null })).toBeNull()
  })
})
