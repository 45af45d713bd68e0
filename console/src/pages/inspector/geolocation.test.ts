import { describe, expect, it } from 'vitest'
import { reasonOf } from './geolocation'

describe('reasonOf', () => {
  it('tells a refusal by the person from one by a plain-HTTP page', () => {
    expect(reasonOf(1, true)).toBe('denied')
    expect(reasonOf(1, false)).toBe('insecure')
  })

  it('tells no signal from too slow', () => {
    expect(reasonOf(2, true)).toBe('unavailable')
    expect(reasonOf(3, true)).toBe('timeout')
  })
})
