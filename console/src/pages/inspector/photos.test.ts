import { describe, expect, it } from 'vitest'
import { fitWithin } from './photos'

describe('fitWithin', () => {
  it('scales a landscape phone photo to 1600 px wide, keeping its shape', () => {
    expect(fitWithin({ width: 4032, height: 3024 })).toEqual({ width: 1600, height: 1200 })
  })

  it('scales a portrait photo by its height', () => {
    expect(fitWithin({ width: 3024, height: 4032 })).toEqual({ width: 1200, height: 1600 })
  })

  it('leaves a photo already small enough as it is', () => {
    expect(fitWithin({ width: 800, height: 600 })).toEqual({ width: 800, height: 600 })
    expect(fitWithin({ width: 1600, height: 1600 })).toEqual({ width: 1600, height: 1600 })
  })

  it('rounds to whole pixels and never reaches zero', () => {
    expect(fitWithin({ width: 4000, height: 3001 }, 1600)).toEqual({ width: 1600, height: 1200 })
    expect(fitWithin({ width: 10000, height: 3 }, 1600)).toEqual({ width: 1600, height: 1 })
  })

  it('takes another longest side', () => {
    expect(fitWithin({ width: 1000, height: 500 }, 200)).toEqual({ width: 200, height: 100 })
  })

  it('refuses a size that is no picture', () => {
    expect(() => fitWithin({ width: 0, height: 100 })).toThrow(RangeError)
    expect(() => fitWithin({ width: Number.NaN, height: 100 })).toThrow(RangeError)
  })
})
