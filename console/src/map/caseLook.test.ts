import { describe, expect, it } from 'vitest'
import {
  caseLight,
  LIGHT_COLOURS,
  STATUS_COLOURS,
  STATUSES,
  tallyLights,
  worstLight,
  type CaseFacts,
} from './caseLook'

// Registered at 09:00, due to be dispatched at 17:00: a quarter of the step is 2 hours.
const registered: CaseFacts = {
  status: 'registered',
  reported_at: '2026-03-02T08:30:00+08:00',
  registered_at: '2026-03-02T09:00:00+08:00',
  dispatched_at: null,
  handled_at: null,
  running_due_at: '2026-03-02T17:00:00+08:00',
}
const at = (time: string): Date => new Date(`2026-03-02T${time}+08:00`)

describe('caseLight', () => {
  it('runs the current step from the action that entered the status', () => {
    expect(caseLight(registered, at('14:59:00'))).toBe('green')
    expect(caseLight(registered, at('15:01:00'))).toBe('yellow')
    expect(caseLight(registered, at('17:00:01'))).toBe('red')
  })

  it('measures a handled case from its handling report, not from its filing', () => {
    const handled: CaseFacts = {
      ...registered,
      status: 'handled',
      dispatched_at: '2026-03-02T09:30:00+08:00',
      handled_at: '2026-03-02T16:00:00+08:00',
      running_due_at: '2026-03-02T20:00:00+08:00',
    }
    // 3 of its 4 hours are left: green, though the case is 11 hours old.
    expect(caseLight(handled, at('17:00:00'))).toBe('green')
  })

  it('has no light when no deadline runs (suspended, closed)', () => {
    const suspended: CaseFacts = { ...registered, status: 'suspended', running_due_at: null }
    expect(caseLight(suspended, at('18:00:00'))).toBe('none')
    expect(caseLight({ ...registered, status: 'closed' }, at('18:00:00'))).toBe('none')
  })
})

describe('worstLight', () => {
  it('takes red over yellow over green over none', () => {
    expect(worstLight(['green', 'red', 'yellow'])).toBe('red')
    expect(worstLight(['green', 'yellow', 'none'])).toBe('yellow')
    expect(worstLight(['none', 'green'])).toBe('green')
    expect(worstLight([])).toBe('none')
  })
})

describe('tallyLights', () => {
  it('counts the cases of each light, zero for the lights nobody has', () => {
    expect(tallyLights(['red', 'green', 'red'])).toEqual({ green: 1, yellow: 0, red: 2, none: 0 })
  })
})

describe('colours', () => {
  it('gives every status a colour no light uses, and each status its own', () => {
    const lights = new Set(Object.values(LIGHT_COLOURS))
    const colours = STATUSES.map((status) => STATUS_COLOURS[status])
    expect(colours.filter((colour) => lights.has(colour))).toEqual([])
    expect(new Set(colours).size).toBe(STATUSES.length)
    expect(new Set(STATUSES)).toEqual(new Set(Object.keys(STATUS_COLOURS)))
  })
})
